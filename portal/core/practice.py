"""The practice's details (name, contact, letterhead, hours) as one frozen value.

Every page shows them (the `practice` context processor), and emails, receipts and report PDFs
print them, so `practice_details()` is read many times a request. It is kept per process and
dropped when the settings (or the logo image) are saved: at once in the saving process, and in
every other process through a version stamp in the shared cache, renewed when the save commits
(portal.core.process_memo: one cache read per request for all such stamps).
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from typing import Any

from django.db.models.signals import post_delete, post_save

from portal.core.process_memo import ProcessMemo


@dataclass(frozen=True)
class PracticeDetails:
    name: str = "Radiology Portal"
    tagline: str = ""
    phone: str = ""
    email: str = ""
    address: str = ""
    letterhead: str = ""
    opening_hours: tuple[str, ...] = ()
    logo_image: Any = field(default=None, compare=False)  # the Wagtail image this process keeps

    @property
    def logo(self) -> Any:
        """The logo, for `{% image practice.logo ... %}`: a copy for each use. The kept instance is
        shared by the server's threads, and two threads making its first rendition at once read the
        one open file of the shared instance ("Truncated File Read", a 500: the cluster drill's
        50 concurrent patients on a fresh start). A copy has its own file; renditions already made
        come from the renditions cache all the same."""
        return None if self.logo_image is None else copy.deepcopy(self.logo_image)

    @property
    def address_lines(self) -> tuple[str, ...]:
        return tuple(line.strip() for line in self.address.splitlines() if line.strip())


def _load() -> PracticeDetails:
    from portal.core.models import PracticeSettings

    row = (
        PracticeSettings.objects.filter(site__is_default_site=True).select_related("logo").first()
        or PracticeSettings.objects.select_related("logo").order_by("pk").first()
    )
    if row is None:
        return PracticeDetails()
    return PracticeDetails(
        name=row.practice_name.strip() or PracticeDetails.name,
        tagline=row.tagline.strip(),
        phone=row.phone.strip(),
        email=row.email.strip(),
        address=row.address.strip(),
        letterhead=row.report_letterhead.strip(),
        opening_hours=tuple(line.strip() for line in row.opening_hours.splitlines() if line.strip()),
        logo_image=row.logo,
    )


_memo: ProcessMemo[PracticeDetails] = ProcessMemo("practice-details", _load)
VERSION_KEY = _memo.version_key


def practice_details() -> PracticeDetails:
    """The practice's details (the default site's practice settings, or the defaults if none)."""
    return _memo.get()


def practice_details_stamp() -> str | None:
    """The details' version stamp (`ProcessMemo.stamp`): for keeping what is rendered from them."""
    return _memo.stamp()


def forget_practice_details() -> None:
    """Drop this process's copy (the next read loads the details again)."""
    _memo.forget()


def _image_changed(sender, instance, **kwargs) -> None:
    kept = _memo._kept
    if kept is not None and any(d.logo_image is not None and d.logo_image.pk == instance.pk for d in kept[1].values()):
        _memo.changed()


def connect() -> None:
    from wagtail.images import get_image_model

    from portal.core.models import PracticeSettings

    for signal in (post_save, post_delete):
        signal.connect(_memo.changed, sender=PracticeSettings, dispatch_uid=f"core_practice_{signal is post_save}")
        signal.connect(_image_changed, sender=get_image_model(),
                       dispatch_uid=f"core_practice_logo_{signal is post_save}")

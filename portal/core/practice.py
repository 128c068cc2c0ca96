"""The practice's details (name, contact, letterhead, hours) as one frozen value.

Every page shows them (the `practice` context processor), and emails, receipts and report PDFs
print them, so `practice_details()` is read many times a request. It is kept per process and
dropped when the settings (or the logo image) are saved: at once in the saving process, and in
every other process through a version stamp in the shared cache, renewed when the save commits.
"""

from __future__ import annotations

import logging
import threading
import uuid
from dataclasses import dataclass, field
from typing import Any

from django.core.cache import cache
from django.db import transaction
from django.db.models.signals import post_delete, post_save

VERSION_KEY = "core:practice-details:version"


@dataclass(frozen=True)
class PracticeDetails:
    name: str = "Radiology Portal"
    tagline: str = ""
    phone: str = ""
    email: str = ""
    address: str = ""
    letterhead: str = ""
    opening_hours: tuple[str, ...] = ()
    logo: Any = field(default=None, compare=False)  # a Wagtail image, for `{% image practice.logo ... %}`

    @property
    def address_lines(self) -> tuple[str, ...]:
        return tuple(line.strip() for line in self.address.splitlines() if line.strip())


logger = logging.getLogger(__name__)

_memo: tuple[str, PracticeDetails] | None = None
_saving = False  # saved in a transaction that has not committed yet: read fresh, keep nothing
_lock = threading.Lock()


def _current_version() -> str:
    version = cache.get(VERSION_KEY)
    if version is None:
        cache.add(VERSION_KEY, uuid.uuid4().hex, timeout=None)
        version = cache.get(VERSION_KEY) or ""
    return version


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
        logo=row.logo,
    )


def practice_details() -> PracticeDetails:
    """The practice's details (the default site's practice settings, or the defaults if none)."""
    global _memo
    if _saving:
        return _load()
    try:
        version = _current_version()
    except Exception:  # the shared cache is down: read the row (correct, just slower) and keep nothing
        logger.warning("practice details: cache unavailable, read from the database", exc_info=True)
        return _load()
    memo = _memo
    if memo is not None and memo[0] == version:
        return memo[1]
    with _lock:
        details = _load()
        _memo = (version, details)
    return details


def forget_practice_details() -> None:
    """Drop this process's copy (the next read loads the details again)."""
    global _memo, _saving
    _memo = None
    _saving = False


def _committed() -> None:
    global _saving
    _saving = False
    cache.set(VERSION_KEY, uuid.uuid4().hex, timeout=None)  # every process loads them again


def _changed(sender, **kwargs) -> None:
    global _memo, _saving
    _memo = None
    _saving = True
    transaction.on_commit(_committed)


def _image_changed(sender, instance, **kwargs) -> None:
    memo = _memo
    if memo is not None and memo[1].logo is not None and memo[1].logo.pk == instance.pk:
        _changed(sender)


def connect() -> None:
    from wagtail.images import get_image_model

    from portal.core.models import PracticeSettings

    for signal in (post_save, post_delete):
        signal.connect(_changed, sender=PracticeSettings, dispatch_uid=f"core_practice_{signal is post_save}")
        signal.connect(_image_changed, sender=get_image_model(),
                       dispatch_uid=f"core_practice_logo_{signal is post_save}")

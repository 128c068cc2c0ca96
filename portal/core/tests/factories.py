from __future__ import annotations

from wagtail.models import Site

from portal.core.models import PracticeSettings


def set_practice_details(**fields) -> PracticeSettings:
    """Save the default site's practice details, as marketing staff do in the Wagtail admin."""
    row, _ = PracticeSettings.objects.get_or_create(site=Site.objects.get(is_default_site=True))
    for name, value in fields.items():
        setattr(row, name, value)
    row.full_clean()
    row.save()
    return row

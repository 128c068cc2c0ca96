"""Background work of the imaging app (django-q2): thin, safe to run twice."""

from __future__ import annotations

import logging

from django.conf import settings

from portal.imaging import pacs, services

logger = logging.getLogger(__name__)

READ_CHANGES = "portal.imaging.tasks.read_changes"
SCHEDULE_NAME = "imaging: link stable studies"


def read_changes() -> int:
    """Read Orthanc's change feed and link the stable studies. Returns how many were read."""
    try:
        return services.feed_read().studies
    except pacs.PacsUnavailable as exc:
        logger.warning("imaging: change feed not read: %s", exc)  # retried on the next run
        return 0


def ensure_schedule() -> None:
    from django_q.models import Schedule

    Schedule.objects.update_or_create(
        name=SCHEDULE_NAME,
        defaults={"func": READ_CHANGES, "schedule_type": Schedule.MINUTES,
                  "minutes": max(1, settings.IMAGING_SYNC_MINUTES), "repeats": -1},
    )


def ensure_schedule_after_migrate(sender, using="default", **kwargs) -> None:
    from django_q.models import Schedule

    if not Schedule.objects.using(using).filter(name=SCHEDULE_NAME).exists():
        ensure_schedule()

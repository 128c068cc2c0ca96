"""What /healthz says beyond the web process: is the task worker alive, does the PACS answer.

The worker proves it is alive by running `portal.core.tasks.worker_heartbeat` from a django-q2
schedule every minute (migration core.0003); the heartbeat row holds the time it last ran. That works
with either broker (ORM or Redis) and whatever the cache, unlike q2's cluster stats.
"""

from __future__ import annotations

import datetime as dt
import logging

from django.conf import settings
from django.db import models
from django.utils import timezone

logger = logging.getLogger(__name__)


class Heartbeat(models.Model):
    """The last time a named background process proved it was running."""

    name = models.CharField(max_length=50, unique=True)
    at = models.DateTimeField()

    class Meta:
        app_label = "core"

    def __str__(self) -> str:
        return f"{self.name} at {self.at:%Y-%m-%d %H:%M:%S}"


WORKER = "worker"


def heartbeat_record(*, name: str = WORKER) -> Heartbeat:
    beat, _ = Heartbeat.objects.update_or_create(name=name, defaults={"at": timezone.now()})
    return beat


def worker_status(*, now: dt.datetime | None = None) -> dict:
    """{"status": "ok" | "stale" | "no heartbeat yet", "last_heartbeat": iso or None, "age_seconds": n}"""
    now = now or timezone.now()
    beat = Heartbeat.objects.filter(name=WORKER).first()
    if beat is None:
        return {"status": "no heartbeat yet", "last_heartbeat": None, "age_seconds": None}
    age = int((now - beat.at).total_seconds())
    status = "ok" if age <= settings.HEALTHZ_WORKER_STALE_SECONDS else "stale"
    return {"status": status, "last_heartbeat": beat.at.isoformat(), "age_seconds": age}


def pacs_status() -> str | None:
    """"ok" / "error" when PACS_URL is set (Orthanc's GET /system), None when imaging is off."""
    url = getattr(settings, "PACS_URL", "")
    if not url:
        return None
    import requests

    username = getattr(settings, "PACS_USERNAME", "")
    auth = (username, getattr(settings, "PACS_PASSWORD", "")) if username else None
    try:
        response = requests.get(f"{url.rstrip('/')}/system", auth=auth, timeout=settings.HEALTHZ_PACS_TIMEOUT_SECONDS)
        return "ok" if response.status_code == 200 and "Version" in response.json() else "error"
    except Exception as exc:  # noqa: BLE001 - any failure is a failed check
        logger.warning("healthz: PACS check failed: %s", type(exc).__name__)
        return "error"

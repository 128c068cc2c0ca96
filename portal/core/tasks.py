"""Background work of the ground floor: the worker's heartbeat, the nightly encrypted backup."""

from __future__ import annotations

from portal.core.health import heartbeat_record


def worker_heartbeat() -> str:
    """Run every minute by django-q2 (schedule in migration core.0003): the worker is alive."""
    return heartbeat_record().at.isoformat()

"""Background work of the ground floor: the worker's heartbeat, the nightly encrypted backup, the
query planner's statistics."""

from __future__ import annotations

from portal.core.health import heartbeat_record


def worker_heartbeat() -> str:
    """Run every minute by django-q2 (schedule in migration core.0003): the worker is alive."""
    return heartbeat_record().at.isoformat()


def nightly_backup() -> str:
    """Run nightly by django-q2 (migration core.0004): an encrypted backup into BACKUP_DIR, then the
    archives older than BACKUP_KEEP_DAYS are deleted (the newest always stays)."""
    import logging
    from pathlib import Path

    from django.conf import settings

    from portal.core.backup import BackupError, backup_name, create_backup, prune_backups

    folder = Path(settings.BACKUP_DIR)
    if not settings.BACKUP_AGE_RECIPIENTS:
        if settings.DEBUG:  # the embedded demo: nothing to protect, nothing to do
            logging.getLogger(__name__).warning("nightly backup skipped: BACKUP_AGE_RECIPIENTS is not set")
            return "skipped"
        raise BackupError("Nightly backup: set BACKUP_AGE_RECIPIENTS (an age public key) to encrypt backups to.")
    output = folder / backup_name()
    create_backup(output, recipients=settings.BACKUP_AGE_RECIPIENTS)
    deleted = prune_backups(folder, keep_days=settings.BACKUP_KEEP_DAYS)
    return f"{output.name}; deleted {len(deleted)} older"


def refresh_planner_statistics() -> str:
    """Run nightly by django-q2 (migration core.0007): the query planner's statistics after the day's
    writes (portal.core.dbstats)."""
    from portal.core.dbstats import refresh_planner_statistics as refresh

    return refresh()

"""The query planner's statistics.

A planner without statistics guesses: SQLite keeps none until `ANALYZE` runs and then assumes every
index equality is selective; PostgreSQL's autovacuum gathers them only some time after a bulk load.
Both read every signed report through the status index to find one patient's two (13 ms instead of
0.2 on PostgreSQL after the demo's load, issue 22). This refreshes them after `migrate`, after the
demo's bulk load and nightly (portal.core.tasks.refresh_planner_statistics).
"""

from __future__ import annotations

from django.db import connections


def refresh_planner_statistics(using: str = "default") -> str:
    """Run ANALYZE on the database (SQLite or PostgreSQL); returns what ran."""
    connection = connections[using]
    if connection.vendor not in ("sqlite", "postgresql"):
        return "not needed on this database"
    with connection.cursor() as cursor:
        # PostgreSQL: a table autovacuum is working on is skipped, not waited for (a wait would run
        # into the lock timeout, DJANGO_DB_LOCK_TIMEOUT_MS, and fail the migrate or the task).
        cursor.execute("ANALYZE (SKIP_LOCKED)" if connection.vendor == "postgresql" else "ANALYZE")
    return f"analyzed ({connection.vendor})"

"""The query planner's statistics.

SQLite plans a query from its indexes alone until `ANALYZE` has stored statistics: without them it
guesses that every index equality is selective, and read every signed report through the status
index to find one patient's two (issue 22). This refreshes them after `migrate`, after the demo's
bulk load and nightly (portal.core.tasks.refresh_planner_statistics). PostgreSQL's autovacuum keeps
its own statistics, so there is nothing to do there.
"""

from __future__ import annotations

from django.db import connections


def refresh_planner_statistics(using: str = "default") -> bool:
    """Run ANALYZE on an SQLite database; True if it ran."""
    connection = connections[using]
    if connection.vendor != "sqlite":
        return False
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return True

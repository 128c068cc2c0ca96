"""The query planner's statistics: refreshed after migrate, after the demo and nightly (issue 22)."""

from __future__ import annotations

import pytest
from django.db import connection
from django_q.models import Schedule

from portal.accounts.roles import Role
from portal.accounts.tests.factories import user_with_role
from portal.core import tasks

pytestmark = pytest.mark.django_db


def test_the_nightly_schedule_refreshes_the_statistics():
    schedule = Schedule.objects.get(name="core: refresh the query planner's statistics")
    assert schedule.func == "portal.core.tasks.refresh_planner_statistics"
    assert schedule.schedule_type == Schedule.DAILY


@pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite's own statistics table")
def test_on_sqlite_the_statistics_describe_the_tables():
    user_with_role(Role.PATIENT)
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE IF EXISTS sqlite_stat1")  # allowed: SQLite makes it again
    assert tasks.refresh_planner_statistics() == "analyzed (sqlite)"
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM sqlite_stat1 WHERE tbl = 'accounts_user'")
        assert cursor.fetchone()[0] >= 1


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's statistics view")
def test_on_postgresql_the_tables_are_analyzed():
    user_with_role(Role.PATIENT)
    assert tasks.refresh_planner_statistics() == "analyzed (postgresql)"
    with connection.cursor() as cursor:  # a table autovacuum holds is skipped: most are analyzed
        cursor.execute("SELECT count(*) FILTER (WHERE last_analyze IS NOT NULL), count(*) FROM pg_stat_user_tables")
        analyzed, tables = cursor.fetchone()
    assert tables > 50 and analyzed > tables / 2

"""SQLite's planner statistics: refreshed after migrate, after the demo and nightly (issue 22)."""

from __future__ import annotations

import pytest
from django.db import connection
from django_q.models import Schedule

from portal.accounts.roles import Role
from portal.accounts.tests.factories import user_with_role
from portal.core import tasks
from portal.core.dbstats import refresh_planner_statistics

pytestmark = pytest.mark.django_db


def test_the_nightly_schedule_refreshes_the_statistics():
    schedule = Schedule.objects.get(name="core: refresh the query planner's statistics")
    assert schedule.func == "portal.core.tasks.refresh_planner_statistics"
    assert schedule.schedule_type == Schedule.DAILY


@pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite keeps planner statistics only after ANALYZE")
def test_on_sqlite_the_statistics_describe_the_tables():
    user_with_role(Role.PATIENT)
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE IF EXISTS sqlite_stat1")  # allowed: SQLite makes it again
    assert tasks.refresh_planner_statistics() == "analyzed"
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM sqlite_stat1 WHERE tbl = 'accounts_user'")
        assert cursor.fetchone()[0] >= 1


@pytest.mark.skipif(connection.vendor == "sqlite", reason="PostgreSQL's autovacuum keeps its own")
def test_elsewhere_there_is_nothing_to_do():
    assert refresh_planner_statistics() is False
    assert tasks.refresh_planner_statistics() == "not needed on this database"

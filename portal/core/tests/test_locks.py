"""A bounded wait for row locks on PostgreSQL (DJANGO_DB_LOCK_TIMEOUT_MS), and its clear message.

On SQLite (the default test run) there is no lock_timeout: the PostgreSQL test is skipped there and
the settings leave the SQLite options alone; `lock_wait` still maps a lock timeout to `Busy`."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.db import OperationalError, connection, transaction

from portal.core.locks import Busy, lock_wait


class _PgError(Exception):
    sqlstate = "55P03"


def _db_error(cause: Exception) -> OperationalError:
    error = OperationalError("canceling statement due to lock timeout")
    error.__cause__ = cause
    return error


def test_a_lock_timeout_becomes_busy_with_the_callers_message():
    with pytest.raises(Busy, match="Many people are booking"), lock_wait("Many people are booking this room."):
        raise _db_error(_PgError())


def test_other_database_errors_pass_through_unchanged():
    with pytest.raises(OperationalError) as caught, lock_wait():
        raise _db_error(ValueError("disk full"))
    assert not isinstance(caught.value, Busy)


@pytest.mark.skipif(connection.vendor == "postgresql", reason="the SQLite settings")
def test_sqlite_has_no_lock_timeout_option():
    assert "options" not in settings.DATABASES["default"]["OPTIONS"]


@pytest.mark.django_db
@pytest.mark.skipif(connection.vendor != "postgresql", reason="lock_timeout is PostgreSQL's (a no-op on SQLite)")
def test_postgresql_connections_wait_at_most_the_lock_timeout():
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SHOW lock_timeout")
        shown = cursor.fetchone()[0]
    assert shown == "5s"  # DJANGO_DB_LOCK_TIMEOUT_MS's default, 5000

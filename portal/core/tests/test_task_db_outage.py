"""A task that runs while PostgreSQL restarts is run again on a fresh connection, not failed for good
(issue 20: with the Redis broker a failed task is never retried, and a booking's confirmation was lost)."""

from __future__ import annotations

import pytest
from django.db import OperationalError

from portal.core.enqueue import survive_db_outage


class FakeConnection:
    def __init__(self, *, reachable: bool):
        self.connection = object() if reachable else None  # None: the connect itself failed
        self.reachable = reachable
        self.closed = 0

    def is_usable(self):
        return self.reachable

    def close(self):
        self.closed += 1


@pytest.fixture
def database(monkeypatch):
    state = {"conn": FakeConnection(reachable=False)}

    class Handler:
        def all(self, initialized_only=False):
            return [state["conn"]]

    monkeypatch.setattr("django.db.connections", Handler())
    monkeypatch.setattr("portal.core.enqueue.time.sleep", lambda seconds: None)
    return state


def test_a_task_run_while_the_database_is_unreachable_runs_again_once_it_answers(database):
    calls = []

    @survive_db_outage
    def task(appointment_id):
        calls.append(appointment_id)
        if len(calls) < 3:
            raise OperationalError('connection to server at "127.0.0.1" failed: Connection refused')
        return "planned"

    assert task(7) == "planned"
    assert calls == [7, 7, 7]
    assert database["conn"].closed == 2  # each retry on a fresh connection


def test_an_operational_error_on_a_working_connection_fails_the_task_at_once(database):
    database["conn"] = FakeConnection(reachable=True)
    calls = []

    @survive_db_outage
    def task():
        calls.append(1)
        raise OperationalError("canceling statement due to lock timeout")

    with pytest.raises(OperationalError, match="lock timeout"):
        task()
    assert calls == [1]


def test_a_database_that_stays_away_fails_the_task_after_the_retry_budget(database, settings):
    settings.TASK_DB_RETRY_SECONDS = 0
    calls = []

    @survive_db_outage
    def task():
        calls.append(1)
        raise OperationalError("Connection refused")

    with pytest.raises(OperationalError):
        task()
    assert calls == [1]

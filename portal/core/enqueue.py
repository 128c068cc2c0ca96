"""Queue a django-q2 task so that a broker outage is a delay, never a loss (issue 20).

`async_task` with the Redis broker raises when Redis is down (redis.exceptions.ConnectionError). Called
from `transaction.on_commit`, as every receiver here does, that exception came out of the request after
the transaction had committed: the booking was saved, the patient got a 500 (and booked again), the
other on-commit callbacks of that request were dropped, and the task (the confirmation, the reminder
send) was gone. `enqueue` instead keeps the task in the database as a one-off django-q2 Schedule; the
qcluster's scheduler (which reads schedules from the database every few seconds) queues it once the
broker answers again, and keeps it while it does not (its transaction rolls back on the failed push).
"""

from __future__ import annotations

import logging
import time

from django.utils import timezone

logger = logging.getLogger(__name__)


def enqueue(func: str, *args, task_name: str | None = None) -> str | None:
    """async_task(func, *args); if the broker cannot take it, a one-off Schedule instead (returns None).

    args must be literals (ids, strings, lists of them): the scheduler reads them back with
    ast.literal_eval. A database error while storing the schedule is raised (nothing else can keep it)."""
    from django_q.tasks import async_task

    try:
        return async_task(func, *args, task_name=task_name)
    except Exception as exc:  # noqa: BLE001 - any broker failure (ConnectionError, TimeoutError...)
        from django_q.models import Schedule

        Schedule.objects.create(
            name=f"retry: {task_name or func}"[:100], func=func, args=repr(tuple(args)),
            kwargs=repr({"q_options": {"task_name": task_name}}) if task_name else None,
            schedule_type=Schedule.ONCE, repeats=-1, next_run=timezone.now(),
        )
        logger.warning("Task broker unavailable (%s): %s kept as a one-off schedule, queued when it is back",
                       type(exc).__name__, task_name or func)
        return None


def survive_db_outage(func):
    """Run a task again while the database cannot be reached (a PostgreSQL restart or failover), for up
    to TASK_DB_RETRY_SECONDS (below the q2 timeout), instead of failing it for good.

    With the Redis broker a task that raises is not retried: one that ran while PostgreSQL restarted
    failed with OperationalError and the booking's confirmation was never planned (issue 20 drill).
    Each retry starts on a fresh connection; the failed attempt's transaction was rolled back. Only for
    tasks that are safe to run twice (ours: they take ids and call a service that checks its state)."""
    import functools

    @functools.wraps(func)
    def run(*args, **kwargs):
        from django.conf import settings
        from django.db import InterfaceError, OperationalError, connections

        deadline = time.monotonic() + getattr(settings, "TASK_DB_RETRY_SECONDS", 45)
        pause = 0.5
        while True:
            try:
                return func(*args, **kwargs)
            except (OperationalError, InterfaceError) as exc:
                unreachable = any(c.connection is None or not c.is_usable()  # None: the connect failed
                                  for c in connections.all(initialized_only=True))
                if not unreachable or time.monotonic() + pause > deadline:
                    raise  # a lock timeout or a bad query, or the database stayed away: a real failure
                logger.warning("%s: database unreachable (%s), retrying in %.1f s", func.__name__,
                               type(exc).__name__, pause)
                for connection in connections.all(initialized_only=True):
                    connection.close()
                time.sleep(pause)
                pause = min(pause * 2, 8)

    return run

"""Waiting for row locks: bounded on PostgreSQL, with a clear message when the wait runs out.

`config/settings.py` sets PostgreSQL's `lock_timeout` on every connection (DJANGO_DB_LOCK_TIMEOUT_MS,
default 5 s, as pretix bounds its locks): a `select_for_update` that waits longer fails with
LockNotAvailable (SQLSTATE 55P03) instead of holding a web worker until the other transaction ends.
The services that lock wrap their lock in `lock_wait()`, which turns that failure into `Busy`, a
ValidationError the views already show as a message. On SQLite this is a no-op: there is no
lock_timeout, and an IMMEDIATE transaction waits for the write lock up to its `timeout` option.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from django.core.exceptions import ValidationError
from django.db import OperationalError

LOCK_NOT_AVAILABLE = "55P03"


class Busy(ValidationError):
    """Someone else is changing the same thing right now and did not finish in time."""

    def __init__(self, message: str = "Someone else is changing this right now. Please try again in a moment."):
        super().__init__(message)


def is_lock_timeout(exc: BaseException) -> bool:
    """Is this database error PostgreSQL's "lock not available" (the lock_timeout ran out)?"""
    cause = exc.__cause__ or exc
    return LOCK_NOT_AVAILABLE in (getattr(cause, "sqlstate", None), getattr(cause, "pgcode", None))


@contextmanager
def lock_wait(message: str | None = None) -> Iterator[None]:
    """Around a `select_for_update`: a lock timeout becomes `Busy` (the transaction rolls back)."""
    try:
        yield
    except OperationalError as exc:
        if is_lock_timeout(exc):
            raise (Busy(message) if message else Busy()) from exc
        raise

"""Values that every page shows, kept per process and renewed when they change anywhere.

The practice's details, the site's menu and the opening hours are read on every page but change
rarely. A `ProcessMemo` keeps such a value in the process; each memo has a version stamp in the
shared cache, renewed when a save commits, and a copy kept under an older version is loaded again.

Reading the stamps costs one cache read per request for all memos together (`request_scope`, set
by `SharedVersionsMiddleware`); outside a request (tasks, the shell) each read asks the cache.
While a save is in progress the saving thread reads the database (it sees what it saved before the
commit) and keeps nothing; other threads keep the committed value until the commit renews the stamp.
When the shared cache is down every read goes to the database: correct, just slower.
"""

from __future__ import annotations

import logging
import threading
import uuid
from collections.abc import Callable, Hashable, Iterator
from contextlib import contextmanager
from typing import Generic, TypeVar

from django.core.cache import cache
from django.db import connection, transaction

logger = logging.getLogger(__name__)
T = TypeVar("T")

_memos: dict[str, ProcessMemo] = {}
_request = threading.local()  # .versions: the stamps read in this thread's current request, or None


def _read_versions(keys: list[str]) -> dict[str, str]:
    found = cache.get_many(keys)
    for key in keys:
        if found.get(key) is None:
            cache.add(key, uuid.uuid4().hex, timeout=None)  # the first process to ask sets it
            found[key] = cache.get(key) or ""
    return found


def current_version(key: str) -> str:
    versions = getattr(_request, "versions", None)
    if versions is None:  # outside a request: ask the cache every time
        return _read_versions([key])[key]
    if key not in versions:
        versions.update(_read_versions(sorted({key, *(memo.version_key for memo in _memos.values())})))
    return versions[key]


@contextmanager
def request_scope() -> Iterator[None]:
    """Within: the version stamps are read once (all together) and reused.

    A request starts outside any transaction of an earlier request on this thread, so a save that an
    earlier request left uncommitted (rolled back: no commit cleared it) no longer counts as "saving
    here"; without this, a thread whose save rolled back inside a later atomic block would bypass
    the memos for good."""
    for memo in list(_memos.values()):
        memo._saving.in_transaction = False
    _request.versions = {}
    try:
        yield
    finally:
        _request.versions = None


def forget_all() -> None:
    """Drop every memo's copies in this process (tests: each starts from its own database)."""
    for memo in list(_memos.values()):
        memo.forget()


class ProcessMemo(Generic[T]):
    """`load(*args)` computed once per process (per distinct args) until `changed()` anywhere."""

    def __init__(self, name: str, load: Callable[..., T], *, max_keys: int = 64):
        self.name = name
        self.max_keys = max_keys  # distinct `args` kept at most (a key may come from a request's Host)
        self.version_key = f"core:memo:{name}:version"
        self._load = load
        self._kept: tuple[str, dict[Hashable, T]] | None = None
        self._lock = threading.Lock()
        self._saving = threading.local()  # .in_transaction: this thread saved, not committed yet
        _memos[name] = self

    def get(self, *args: Hashable, **context) -> T:
        """The value for `args` (its key); `context` goes to `load` too but is not part of the key."""
        if self._saving_here():
            return self._load(*args, **context)
        try:
            version = current_version(self.version_key)
        except Exception:  # the shared cache is down: read the database (correct, just slower), keep nothing
            logger.warning("%s: cache unavailable, read from the database", self.name, exc_info=True)
            return self._load(*args, **context)
        kept = self._kept
        if kept is not None and kept[0] == version and args in kept[1]:
            return kept[1][args]
        value = self._load(*args, **context)
        with self._lock:
            kept = self._kept
            values = dict(kept[1]) if kept is not None and kept[0] == version else {}
            if len(values) >= self.max_keys and args not in values:
                values = {}  # start again rather than grow without bound
            values[args] = value
            self._kept = (version, values)
        return value

    def stamp(self) -> str | None:
        """The memo's current version stamp, for keeping something derived from its value (a rendered
        fragment); None when nothing derived may be kept: this thread is saving it, or the shared
        cache is down."""
        if self._saving_here():
            return None
        try:
            return current_version(self.version_key)
        except Exception:
            logger.warning("%s: cache unavailable, keep nothing derived", self.name, exc_info=True)
            return None

    def forget(self) -> None:
        """Drop this process's copies (the next read loads again)."""
        self._kept = None
        self._saving.in_transaction = False

    def changed(self, *args, **kwargs) -> None:
        """What the memo shows was saved (a signal receiver): drop it here, renew the stamp on commit."""
        self._kept = None
        if connection.in_atomic_block:
            self._saving.in_transaction = True
        transaction.on_commit(self._committed)

    def _saving_here(self) -> bool:
        if getattr(self._saving, "in_transaction", False):
            if connection.in_atomic_block:
                return True
            self._saving.in_transaction = False  # rolled back (a commit would have cleared it)
        return False

    def _committed(self) -> None:
        self._saving.in_transaction = False
        self._kept = None
        version = uuid.uuid4().hex
        try:
            cache.set(self.version_key, version, timeout=None)  # every process loads it again
        except Exception:
            logger.warning("%s: cache unavailable, other processes keep their copy", self.name, exc_info=True)
            return
        versions = getattr(_request, "versions", None)
        if versions is not None:
            versions[self.version_key] = version

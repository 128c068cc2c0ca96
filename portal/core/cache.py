"""The shared cache (Redis) as an optimisation, never a dependency of a page (issue 20).

With Django's RedisCache every cache read raises while Redis is down, and not only ours (cms.cache
and process_memo catch it): Wagtail reads its site root paths from the default cache on every page
URL it builds, so each page with the menu answered 500 for as long as Redis was away. This backend
turns a Redis that cannot be reached (connection refused, timed out) into a cache that holds nothing:
reads miss, writes are dropped, and the page is built from the database. /healthz still reports the
cache down (its write-then-read finds nothing) and answers 503.

While the cache is down, what lives only in it is gone or not enforced: allauth's rate limits fail
open (login and signup throttles count nothing), the page cache is bypassed. `incr`/`decr` still
raise: a counter must not pretend to count. Sessions are in the database and are not affected.
"""

from __future__ import annotations

import logging
import time

from django.core.cache.backends.redis import RedisCache, RedisCacheClient
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

logger = logging.getLogger(__name__)
UNREACHABLE = (RedisConnectionError, RedisTimeoutError, ConnectionError, TimeoutError)
LOG_EVERY_SECONDS = 30
_last_logged = 0.0


def _down(operation: str, exc: Exception) -> None:
    global _last_logged  # one warning per process every LOG_EVERY_SECONDS, not one per read
    now = time.monotonic()
    if now - _last_logged >= LOG_EVERY_SECONDS:
        _last_logged = now
        logger.warning("cache unreachable (%s on %s): serving without it", type(exc).__name__, operation)


class TolerantRedisCacheClient(RedisCacheClient):
    def add(self, key, value, timeout):
        try:
            return super().add(key, value, timeout)
        except UNREACHABLE as exc:
            _down("add", exc)
            return False

    def get(self, key, default):
        try:
            return super().get(key, default)
        except UNREACHABLE as exc:
            _down("get", exc)
            return default

    def set(self, key, value, timeout):
        try:
            super().set(key, value, timeout)
        except UNREACHABLE as exc:
            _down("set", exc)

    def touch(self, key, timeout):
        try:
            return super().touch(key, timeout)
        except UNREACHABLE as exc:
            _down("touch", exc)
            return False

    def delete(self, key):
        try:
            return super().delete(key)
        except UNREACHABLE as exc:
            _down("delete", exc)
            return False

    def get_many(self, keys):
        try:
            return super().get_many(keys)
        except UNREACHABLE as exc:
            _down("get_many", exc)
            return {}

    def has_key(self, key):
        try:
            return super().has_key(key)
        except UNREACHABLE as exc:
            _down("has_key", exc)
            return False

    def set_many(self, data, timeout):
        try:
            super().set_many(data, timeout)
        except UNREACHABLE as exc:
            _down("set_many", exc)

    def delete_many(self, keys):
        try:
            super().delete_many(keys)
        except UNREACHABLE as exc:
            _down("delete_many", exc)

    def clear(self):
        try:
            return super().clear()
        except UNREACHABLE as exc:
            _down("clear", exc)
            return False


class TolerantRedisCache(RedisCache):
    """django.core.cache.backends.redis.RedisCache, missing instead of raising while Redis is down."""

    def __init__(self, server, params):
        super().__init__(server, params)
        self._class = TolerantRedisCacheClient

"""The shared cache (Redis) unreachable (issue 20): pages are built without it, /healthz says it is down."""

from __future__ import annotations

import socket

import pytest
import redis
from django.core.cache import caches
from django.urls import reverse

from portal.accounts.roles import Role
from portal.accounts.tests.factories import UserFactory


@pytest.fixture
def dead_redis(settings):
    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        dead = s.getsockname()[1]
    settings.CACHES = {**settings.CACHES, "default": {
        "BACKEND": "portal.core.cache.TolerantRedisCache", "LOCATION": f"redis://127.0.0.1:{dead}/0",
        "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1}}}
    return caches["default"]


def test_with_redis_unreachable_reads_miss_and_writes_are_dropped(dead_redis):
    assert dead_redis.get("k", "fallback") == "fallback"
    assert dead_redis.add("k", 1) is False
    dead_redis.set("k", 1)
    dead_redis.set_many({"a": 1, "b": 2})
    assert dead_redis.get_many(["a", "b"]) == {}
    assert dead_redis.has_key("k") is False
    assert dead_redis.delete("k") is False
    with pytest.raises(redis.exceptions.ConnectionError):  # a counter does not pretend to count
        dead_redis.incr("k")


@pytest.mark.django_db
def test_with_redis_unreachable_wagtail_pages_and_signed_in_pages_render_and_healthz_is_503(client, dead_redis):
    # Before: Wagtail's site root paths (read from the default cache for every page URL in the menu)
    # raised ConnectionError, so every page with the menu answered 500 while Redis was away.
    for url in ("/", reverse("login")):
        assert client.get(url).status_code == 200, url
    client.force_login(UserFactory(roles=[Role.PATIENT]))
    assert client.get(reverse("booking:list")).status_code == 200
    health = client.get(reverse("healthz"))
    assert health.status_code == 503
    assert health.json()["cache"] == "error" and health.json()["database"] == "ok"


@pytest.mark.django_db
def test_with_a_working_cache_healthz_reports_it_ok(client):
    response = client.get(reverse("healthz"))
    assert response.json()["cache"] == "ok"

"""Issue 13, item 3: rate limits are counted in a cache every worker shares.

Without REDIS_URL production uses the database cache (made by `migrate`); a per-process cache with
DEBUG off is reported by `check --deploy`.
"""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from django.core.cache import caches
from django.db import connection
from django.test import override_settings
from django.urls import reverse

from config.settings import BASE_DIR
from portal.accounts.tests.factories import UserFactory
from portal.core.apps import create_cache_tables
from portal.core.checks import check_shared_cache

PRODUCTION_ENV = {
    "DJANGO_DEBUG": "0",
    "DJANGO_SECRET_KEY": "p7#Kq2!vX9zL0mN4bR8tY1wE6uI3oP5aS7dF2gH9jK4lZ0xC8vB6nM1qW3eR5tY7u",
    "DJANGO_ALLOWED_HOSTS": "portal.example.org",
}
DATABASE_CACHE = {"default": {"BACKEND": "django.core.cache.backends.db.DatabaseCache", "LOCATION": "sec_cache"}}


def _manage(*args, **env_overrides):
    env = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_") and k != "REDIS_URL"}
    env.update(env_overrides)
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=BASE_DIR, env=env, capture_output=True, text=True, timeout=120
    )


def test_check_deploy_warns_about_a_per_process_cache_with_debug_off():
    result = _manage("check", "--deploy", **PRODUCTION_ENV, DJANGO_CACHE="locmem")
    assert "core.W001" in result.stderr + result.stdout


def test_without_redis_production_uses_the_database_cache():
    result = _manage("shell", "-c", "from django.conf import settings; print(settings.CACHES['default']['BACKEND'])",
                     **PRODUCTION_ENV)
    assert result.stdout.strip().splitlines()[-1] == "django.core.cache.backends.db.DatabaseCache", result.stderr


@pytest.mark.parametrize("backend,debug,warned", [
    ("django.core.cache.backends.locmem.LocMemCache", False, True),
    ("django.core.cache.backends.locmem.LocMemCache", True, False),
    ("django.core.cache.backends.db.DatabaseCache", False, False),
    ("django.core.cache.backends.redis.RedisCache", False, False),
])
def test_the_shared_cache_check(settings, backend, debug, warned):
    settings.DEBUG = debug
    settings.CACHES = {"default": {"BACKEND": backend, "LOCATION": "x"}}
    assert [m.id for m in check_shared_cache()] == (["core.W001"] if warned else [])


@pytest.mark.django_db
@override_settings(CACHES=DATABASE_CACHE)
def test_migrate_makes_the_database_cache_table_and_failed_logins_are_counted_there(client):
    create_cache_tables(sender=None, using="default")
    assert "sec_cache" in connection.introspection.table_names()
    caches["default"].clear()
    user = UserFactory()
    for _ in range(5):
        client.post(reverse("login"), {"login": user.email, "password": "wrong-password-1"})
    # the counts are rows in the shared table, not in this process's memory
    with connection.cursor() as cursor:
        cursor.execute("SELECT COUNT(*) FROM sec_cache")
        assert cursor.fetchone()[0] >= 1
    refused = client.post(reverse("login"), {"login": user.email, "password": "wrong-password-1"})
    assert "too many failed login attempts" in refused.content.decode().lower()

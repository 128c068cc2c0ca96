"""Issue 13, item 10: with DEBUG off emails are sent, not printed to the server log."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from config.settings import BASE_DIR
from portal.core.checks import check_email_backend

PRODUCTION_ENV = {
    "DJANGO_DEBUG": "0",
    "DJANGO_SECRET_KEY": "p7#Kq2!vX9zL0mN4bR8tY1wE6uI3oP5aS7dF2gH9jK4lZ0xC8vB6nM1qW3eR5tY7u",
    "DJANGO_ALLOWED_HOSTS": "portal.example.org",
}
CONSOLE = "django.core.mail.backends.console.EmailBackend"


def _manage(*args, **env_overrides):
    env = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}
    env.update(env_overrides)
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=BASE_DIR, env=env, capture_output=True, text=True, timeout=120
    )


def test_debug_off_defaults_to_smtp():
    result = _manage("shell", "-c", "from django.conf import settings; print(settings.EMAIL_BACKEND)", **PRODUCTION_ENV)
    assert result.stdout.strip().splitlines()[-1] == "django.core.mail.backends.smtp.EmailBackend", result.stderr


def test_check_deploy_warns_when_console_is_chosen_with_debug_off():
    result = _manage("check", "--deploy", **PRODUCTION_ENV, DJANGO_EMAIL_BACKEND=CONSOLE)
    assert "core.W002" in result.stdout + result.stderr


@pytest.mark.parametrize("backend,debug,warned", [
    (CONSOLE, False, True),
    ("django.core.mail.backends.filebased.EmailBackend", False, True),
    (CONSOLE, True, False),
    ("django.core.mail.backends.smtp.EmailBackend", False, False),
])
def test_the_email_backend_check(settings, backend, debug, warned):
    settings.DEBUG = debug
    settings.EMAIL_BACKEND = backend
    assert [m.id for m in check_email_backend()] == (["core.W002"] if warned else [])

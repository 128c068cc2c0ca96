"""The test run: the one settings module (config.settings), read with a test environment.

Sets nothing itself: it only fills in environment variables that are not already set, then
imports config.settings, so tests exercise the same code path as production.
"""

import os

# Tests run with DEBUG off, as production does; only what a test run must differ in is set here.
# Values already in the environment (DATABASE_URL, REDIS_URL from `.ci/run`) win.
for name, value in {
    "DJANGO_SECRET_KEY": "test-only-key-0123456789abcdefghijklmnopqrstuvwxyz-ABCDEFGHIJ",
    "DJANGO_ALLOWED_HOSTS": "testserver,localhost,127.0.0.1",
    "DJANGO_SECURE_SSL_REDIRECT": "0",
    "DJANGO_SECURE_COOKIES": "0",
    "DJANGO_STATIC_MANIFEST": "0",
    "DJANGO_Q_SYNC": "1",
    "DJANGO_FAST_PASSWORD_HASHER": "1",
    "DJANGO_PRIVATE_MEDIA_ROOT": "/tmp/portal-test-private",
    "DJANGO_MEDIA_ROOT": "/tmp/portal-test-media",
}.items():
    os.environ.setdefault(name, value)
# One process: a per-process cache is right here (cleared between tests); with REDIS_URL, Redis.
if not os.environ.get("REDIS_URL"):
    os.environ.setdefault("DJANGO_CACHE", "locmem")

from config.settings import *  # noqa: E402, F403

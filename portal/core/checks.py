"""System checks for production settings (shown by `manage.py check --deploy`)."""

from __future__ import annotations

from django.conf import settings
from django.core import checks

PER_PROCESS_CACHES = {
    "django.core.cache.backends.locmem.LocMemCache",
    "django.core.cache.backends.dummy.DummyCache",
}


@checks.register(checks.Tags.security, deploy=True)
def check_shared_cache(app_configs=None, **kwargs):
    """Rate limits live in the cache: a per-process cache lets each worker count on its own."""
    if settings.DEBUG:
        return []
    backend = settings.CACHES.get("default", {}).get("BACKEND", "")
    if backend not in PER_PROCESS_CACHES:
        return []
    return [
        checks.Warning(
            f"The default cache ({backend.rsplit('.', 1)[-1]}) is per process: with several gunicorn "
            "workers each one counts failed logins and password resets on its own, multiplying the limits.",
            hint="Set REDIS_URL, or DJANGO_CACHE=database (the portal_cache table, made by `migrate`).",
            id="core.W001",
        )
    ]


LOGGING_EMAIL_BACKENDS = {
    "django.core.mail.backends.console.EmailBackend",
    "django.core.mail.backends.filebased.EmailBackend",
}


@checks.register(checks.Tags.security, deploy=True)
def check_email_backend(app_configs=None, **kwargs):
    """Password-reset links and patient emails must not end up in the server's log."""
    if settings.DEBUG or settings.EMAIL_BACKEND not in LOGGING_EMAIL_BACKENDS:
        return []
    return [
        checks.Warning(
            f"EMAIL_BACKEND is {settings.EMAIL_BACKEND.rsplit('.', 2)[-2]}: every email (password-reset links, "
            "patients' messages) is written to the server's output instead of being sent.",
            hint="Set DJANGO_EMAIL_BACKEND=django.core.mail.backends.smtp.EmailBackend and EMAIL_HOST etc.",
            id="core.W002",
        )
    ]

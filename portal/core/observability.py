"""Error reports (Sentry, on only when SENTRY_DSN is set) that never carry patient data.

`scrub_event` runs on every event before it leaves the process (`before_send`, and
`before_send_transaction` for performance traces). It keeps what finds the bug (exception types,
the stack trace's files, lines and functions, the route, the release) and drops what could hold a
patient's name, email, phone number or date of birth: exception and log message text, local
variables, request bodies, cookies, headers, query strings, user details other than the id,
breadcrumb messages and data, and any "extra" context. Whatever text is left is also passed through
a pattern scrubber for emails, phone numbers and dates.

Task failures are reported from django-q2's `post_execute` signal (the worker has no request).
"""

from __future__ import annotations

import logging
import re
from typing import Any

logger = logging.getLogger(__name__)

REDACTED = "[scrubbed]"
EMAIL = re.compile(r"[\w.+-]+@[\w-]+(\.[\w-]+)+")
PHONE = re.compile(r"\+?\d[\d ()-]{7,}\d")
DATE = re.compile(r"\b(\d{4}-\d{2}-\d{2}|\d{1,2}[/.]\d{1,2}[/.]\d{2,4})\b")
# Request headers that hold nothing about the patient (no cookies, no auth, no referrer).
SAFE_HEADERS = {"content-type", "content-length", "accept", "host", "x-request-id"}


def scrub_text(value: str) -> str:
    for pattern in (EMAIL, PHONE, DATE):
        value = pattern.sub(REDACTED, value)
    return value


def _scrub_frames(stacktrace: dict | None) -> None:
    for frame in (stacktrace or {}).get("frames", []):
        frame.pop("vars", None)


def _scrub_request(request: dict) -> dict:
    url = request.get("url", "")
    return {
        "method": request.get("method"),
        "url": scrub_text(url.split("?", 1)[0]),
        "headers": {k: v for k, v in (request.get("headers") or {}).items() if k.lower() in SAFE_HEADERS},
    }


def scrub_event(event: dict[str, Any], hint: dict | None = None) -> dict[str, Any]:
    """Sentry's before_send: the event without patient data (see the module docstring)."""
    for exception in (event.get("exception") or {}).get("values", []):
        if exception.get("value"):
            exception["value"] = REDACTED
        _scrub_frames(exception.get("stacktrace"))
    for thread in (event.get("threads") or {}).get("values", []):
        _scrub_frames(thread.get("stacktrace"))
    if "logentry" in event:
        event["logentry"] = {"message": REDACTED}
    if "message" in event and isinstance(event["message"], str):
        event["message"] = scrub_text(event["message"])
    if "request" in event:
        event["request"] = _scrub_request(event["request"])
    if "user" in event:
        event["user"] = {"id": event["user"].get("id")} if event["user"].get("id") else {}
    crumbs = event.get("breadcrumbs")
    values = crumbs.get("values", []) if isinstance(crumbs, dict) else (crumbs or [])
    for crumb in values:
        crumb.pop("data", None)
        if crumb.get("message"):
            crumb["message"] = REDACTED
    event.pop("extra", None)
    contexts = event.get("contexts") or {}
    for name in list(contexts):
        if name not in {"runtime", "os", "trace", "device", "app", "django"}:
            contexts.pop(name)
    if event.get("transaction"):
        event["transaction"] = scrub_text(event["transaction"])
    return event


def init_sentry(*, dsn: str, environment: str, release: str, traces_sample_rate: float, transport=None) -> None:
    """Turn Sentry on (settings call this only when SENTRY_DSN is set)."""
    import sentry_sdk
    from sentry_sdk.integrations.django import DjangoIntegration
    from sentry_sdk.integrations.logging import LoggingIntegration

    options: dict[str, Any] = {}
    if transport is not None:
        options["transport"] = transport
    sentry_sdk.init(
        dsn=dsn,
        environment=environment,
        release=release or None,
        integrations=[
            DjangoIntegration(),
            # Log records become breadcrumbs (scrubbed), never events: their text may hold patient data.
            LoggingIntegration(level=logging.INFO, event_level=None),
        ],
        send_default_pii=False,
        include_local_variables=False,
        max_request_body_size="never",
        before_send=scrub_event,
        before_send_transaction=scrub_event,
        traces_sample_rate=traces_sample_rate,
        **options,
    )


def report_task_failure(sender=None, task: dict | None = None, **kwargs) -> None:
    """django-q2 `post_execute`: a failed task becomes a Sentry event (its name and function only:
    the task's result holds the traceback text, which may name a patient)."""
    if not task or task.get("success", True):
        return
    import sentry_sdk

    func = task.get("func")
    func_name = func if isinstance(func, str) else getattr(func, "__qualname__", repr(func))
    error_type = str(task.get("result") or "").strip().splitlines()[-1:] or [""]
    error_type = error_type[0].split(":", 1)[0][:100]
    with sentry_sdk.new_scope() as scope:
        scope.set_tag("task.func", func_name)
        scope.set_tag("task.error_type", error_type or "unknown")
        scope.fingerprint = ["task-failure", func_name, error_type]
        sentry_sdk.capture_message(f"Task failed: {func_name} ({error_type or 'unknown error'})", level="error")


def _scrubbed_traceback(exc: BaseException | None) -> str:
    """A traceback with every frame (file, line, function, source line) and the exception types of
    the chain, but never the exception messages, which is where a careless bug puts a patient."""
    import traceback

    parts: list[str] = []
    seen: set[int] = set()
    while exc is not None and id(exc) not in seen:
        seen.add(id(exc))
        frames = "".join(traceback.format_tb(exc.__traceback__))
        parts.insert(0, f"Traceback (most recent call last):\n{frames}{type(exc).__module__}.{type(exc).__qualname__}: "
                        f"{REDACTED}")
        exc = exc.__cause__ or (None if exc.__suppress_context__ else exc.__context__)
    return "\n\nDuring handling, another exception was raised:\n\n".join(parts)


class PatientDataLogFilter(logging.Filter):
    """On the log handlers: exception messages are dropped from tracebacks (django.request logs
    every 500's traceback), and emails, phone numbers and dates are scrubbed from the message."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = scrub_text(record.getMessage())
        record.msg, record.args = message, None
        if record.exc_info:
            record.exc_text = _scrubbed_traceback(record.exc_info[1])
            record.exc_info = None
        return True

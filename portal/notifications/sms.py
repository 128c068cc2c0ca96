"""SMS backends, chosen by settings.SMS_BACKEND the way EMAIL_BACKEND chooses a mail backend.

- "console": prints each message (the development default),
- "locmem": appends to `outbox` (tests, the benchmark),
- "file": appends one JSON line per message to settings.SMS_FILE_PATH (tests with a real worker),
- "twilio": the Twilio API (chosen automatically when the three TWILIO_* settings are set),
- or the dotted path of a class with `send(*, to, body) -> str`.
"""

from __future__ import annotations

import itertools
import json
import sys
import threading
import uuid
from dataclasses import dataclass

from django.conf import settings
from django.urls import reverse
from django.utils.module_loading import import_string


@dataclass(frozen=True)
class SMSMessage:
    to: str
    body: str
    sid: str


outbox: list[SMSMessage] = []
_outbox_lock = threading.Lock()
_counter = itertools.count(1)


class ConsoleBackend:
    def send(self, *, to: str, body: str) -> str:
        sid = f"console-{uuid.uuid4().hex[:16]}"
        sys.stdout.write(f"--- SMS {sid} to {to}\n{body}\n---\n")
        sys.stdout.flush()
        return sid


class LocmemBackend:
    def send(self, *, to: str, body: str) -> str:
        with _outbox_lock:
            sid = f"locmem-{next(_counter)}"
            outbox.append(SMSMessage(to=to, body=body, sid=sid))
        return sid


class FileBackend:
    """One JSON line per message; the file stays open for the backend's life (one batch)."""

    def __init__(self) -> None:
        self.handle = open(settings.SMS_FILE_PATH, "a", encoding="utf-8")  # noqa: SIM115 - closed on delete

    def send(self, *, to: str, body: str) -> str:
        sid = f"file-{uuid.uuid4().hex}"
        self.handle.write(json.dumps({"to": to, "body": body, "sid": sid}) + "\n")
        self.handle.flush()
        return sid

    def __del__(self) -> None:
        handle = getattr(self, "handle", None)
        if handle is not None:
            handle.close()


class TwilioBackend:
    def __init__(self) -> None:
        from twilio.rest import Client

        self.client = Client(settings.TWILIO_ACCOUNT_SID, settings.TWILIO_AUTH_TOKEN)

    def send(self, *, to: str, body: str) -> str:
        options = {"to": to, "from_": settings.TWILIO_FROM_NUMBER, "body": body}
        base = settings.NOTIFICATIONS_PUBLIC_BASE_URL.rstrip("/")
        if base.startswith("https://"):  # Twilio calls back only to a public address
            options["status_callback"] = base + reverse("notifications:twilio_status")
        return self.client.messages.create(**options).sid


BACKENDS = {"console": ConsoleBackend, "locmem": LocmemBackend, "file": FileBackend, "twilio": TwilioBackend}


def get_backend():
    name = settings.SMS_BACKEND
    backend_class = BACKENDS.get(name) or import_string(name)
    return backend_class()

"""WhatsApp backends, chosen by settings.WHATSAPP_BACKEND the way SMS_BACKEND chooses an SMS one.

WhatsApp is on only when settings.TWILIO_WHATSAPP_FROM is set ("whatsapp:+14155238886"). The
practice starts every conversation, so every message is an approved template (Twilio Content):
`settings.WHATSAPP_CONTENT_SIDS` maps a message kind to its content SID, and the template's
variables are filled from `TEMPLATE_VARIABLES` (the same numbered layout for every kind; a variable
with no value is left out, so Twilio uses the template's default).

- "console": prints each message (the development default),
- "locmem": appends to `outbox` (tests),
- "twilio": Twilio's Messages API with `content_sid` and `content_variables`,
- or the dotted path of a class with `send(*, to, content_sid, variables, body) -> str`.
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

PREFIX = "whatsapp:"
# Template variable number -> what fills it (see messages.whatsapp_variables).
TEMPLATE_VARIABLES = {
    "1": "recipient's first name",
    "2": "whose appointment: \"your\" or the dependant's name with 's (\"Tendai's\")",
    "3": "scan name",
    "4": "date and time in the practice's time zone (\"Wed 4 Nov at 09:00\")",
    "5": "practice name",
    "6": "link (the report, the waitlist offer, or the portal)",
}


def is_enabled() -> bool:
    return bool(settings.TWILIO_WHATSAPP_FROM)


def content_sid_for(kind: str) -> str:
    return (settings.WHATSAPP_CONTENT_SIDS or {}).get(kind, "")


def address(phone: str) -> str:
    """+263771234567 -> whatsapp:+263771234567 (idempotent)."""
    return phone if phone.startswith(PREFIX) else PREFIX + phone


def strip_prefix(value: str) -> tuple[str, bool]:
    """whatsapp:+263771234567 -> ("+263771234567", True); a plain number -> (number, False)."""
    value = (value or "").strip()
    if value.lower().startswith(PREFIX):
        return value[len(PREFIX):].strip(), True
    return value, False


@dataclass(frozen=True)
class WhatsAppMessage:
    to: str
    content_sid: str
    variables: dict
    body: str
    sid: str


outbox: list[WhatsAppMessage] = []
_outbox_lock = threading.Lock()
_counter = itertools.count(1)


class ConsoleBackend:
    def send(self, *, to: str, content_sid: str, variables: dict, body: str) -> str:
        sid = f"console-wa-{uuid.uuid4().hex[:16]}"
        sys.stdout.write(f"--- WhatsApp {sid} to {address(to)} (template {content_sid} {json.dumps(variables)})\n"
                         f"{body}\n---\n")
        sys.stdout.flush()
        return sid


class LocmemBackend:
    def send(self, *, to: str, content_sid: str, variables: dict, body: str) -> str:
        with _outbox_lock:
            sid = f"locmem-wa-{next(_counter)}"
            outbox.append(WhatsAppMessage(to=address(to), content_sid=content_sid, variables=dict(variables),
                                          body=body, sid=sid))
        return sid


class TwilioBackend:
    def __init__(self) -> None:
        from twilio.rest import Client

        self.client = Client(settings.TWILIO_ACCOUNT_SID, settings.TWILIO_AUTH_TOKEN)

    def send(self, *, to: str, content_sid: str, variables: dict, body: str) -> str:
        options = {"to": address(to), "from_": address(settings.TWILIO_WHATSAPP_FROM), "content_sid": content_sid,
                   "content_variables": json.dumps(variables)}
        base = settings.NOTIFICATIONS_PUBLIC_BASE_URL.rstrip("/")
        if base.startswith("https://"):  # Twilio calls back only to a public address
            options["status_callback"] = base + reverse("notifications:twilio_status")
        return self.client.messages.create(**options).sid


BACKENDS = {"console": ConsoleBackend, "locmem": LocmemBackend, "twilio": TwilioBackend}


def get_backend():
    name = settings.WHATSAPP_BACKEND
    backend_class = BACKENDS.get(name) or import_string(name)
    return backend_class()

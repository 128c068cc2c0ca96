"""Channels behind one interface: `send(rendered) -> provider message id`; raise to report a failure."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.core.mail.message import make_msgid

from portal.notifications import sms, whatsapp


@dataclass(frozen=True)
class Rendered:
    to: str
    subject: str
    text: str
    html: str = ""
    headers: dict = field(default_factory=dict)
    attachments: tuple = ()  # (filename, content, mimetype)
    content_sid: str = ""  # WhatsApp: the approved template
    variables: dict = field(default_factory=dict)  # WhatsApp: the template's variables


class Channel(Protocol):
    def send(self, message: Rendered) -> str: ...


class EmailChannel:
    """Django's mail (settings.EMAIL_BACKEND), HTML with a plain-text alternative."""

    def send(self, message: Rendered) -> str:
        message_id = make_msgid(domain=settings.NOTIFICATIONS_EMAIL_DOMAIN)
        email = EmailMultiAlternatives(
            subject=message.subject, body=message.text, to=[message.to],
            headers={"Message-ID": message_id, **message.headers},
        )
        if message.html:
            email.attach_alternative(message.html, "text/html")
        for filename, content, mimetype in message.attachments:
            email.attach(filename, content, mimetype)
        email.send(fail_silently=False)
        # Through an email service (django-anymail), its own id is what its delivery webhooks name.
        status = getattr(email, "anymail_status", None)
        return (status.message_id if status is not None and status.message_id else None) or message_id


class SMSChannel:
    """settings.SMS_BACKEND (console, locmem, file, twilio); one backend per channel object."""

    def __init__(self) -> None:
        self.backend = sms.get_backend()

    def send(self, message: Rendered) -> str:
        return self.backend.send(to=message.to, body=message.text)


class WhatsAppChannel:
    """settings.WHATSAPP_BACKEND; an approved template (content SID) with its variables."""

    def __init__(self) -> None:
        self.backend = whatsapp.get_backend()

    def send(self, message: Rendered) -> str:
        if not message.content_sid:
            raise ValueError("No approved WhatsApp template for this message")
        return self.backend.send(to=message.to, content_sid=message.content_sid, variables=message.variables,
                                 body=message.text)


def get_channel(name: str) -> Channel:
    return {"email": EmailChannel, "sms": SMSChannel, "whatsapp": WhatsAppChannel}[name]()

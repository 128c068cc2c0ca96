"""The messages the practice sends, and how each is rendered (templates/notifications/...).

Every message has an email (HTML + text) and an SMS text (also the body of a WhatsApp template's
message, shown by the console backend). Times are shown in the practice's time zone
(settings.TIME_ZONE), whatever the worker's own clock says.

Sending works on `Outgoing`, a plain record read with one query per batch (no model instances):
10,000 reminders a minute must not pay for six model objects each.
"""

from __future__ import annotations

import datetime as dt
import functools
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from django.conf import settings
from django.core import signing
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from portal.core.clock import practice_tz
from portal.core.practice import practice_details
from portal.notifications.channels import Rendered
from portal.notifications.quiet import default_quiet_hours

if TYPE_CHECKING:
    from portal.notifications.models import Delivery

# message kind -> email subject ({practice} and {when} are filled in)
SUBJECTS = {
    "confirmation": "Your booking at {practice}",
    "confirmed": "Your appointment on {when} is confirmed",
    "reminder": "Reminder: your appointment on {when}",
    "cancellation": "Your appointment on {when} is cancelled",
    "reschedule": "Your appointment has moved to {when}",
    "report_ready": "Your report is ready",
    "feedback_request": "How was your visit to {practice}?",
    "referral_received": "We received your referral",
    "referral_report_ready": "A report for your referral is ready",
    "payment_receipt": "Receipt for your payment to {practice}",
    "waitlist_offer": "An earlier time is free: {when}",
    "waitlist_taken": "The time we offered you was taken",
    "critical_finding": "URGENT: a critical finding in a report for your referral",
}
KINDS = tuple(SUBJECTS)
# To a guardian about a dependant's appointment ({name} is the dependant's first name).
SUBJECTS_FOR_DEPENDANT = {
    "confirmation": "{name}'s booking at {practice}",
    "confirmed": "{name}'s {scan} on {when} is confirmed",
    "reminder": "Reminder: {name}'s {scan} on {when}",
    "cancellation": "{name}'s {scan} on {when} is cancelled",
    "reschedule": "{name}'s {scan} has moved to {when}",
    "report_ready": "{name}'s report is ready",
    "feedback_request": "How was {name}'s visit to {practice}?",
    "payment_receipt": "Receipt for {name}'s payment to {practice}",
    "waitlist_offer": "An earlier time is free for {name}: {when}",
    "waitlist_taken": "The time we offered for {name} was taken",
}


@dataclass
class Outgoing:
    """One delivery with what deciding and rendering it needs."""

    pk: int | None
    kind: str
    channel: str
    context: dict = field(default_factory=dict)
    planned_start: dt.datetime | None = None  # the appointment time the message was planned for
    appointment_id: int | None = None
    start: dt.datetime | None = None
    status: str = ""
    cancellation_reason: str = ""
    scan_name: str = ""
    room_name: str = ""
    recipient_id: int | None = None
    email: str = ""
    first_name: str = ""
    last_name: str = ""
    phone: str = ""
    notify_by_email: bool = False
    notify_by_sms: bool = False
    sms_opted_out: bool | None = None  # None: no saved preference, the defaults apply
    quiet_hours: bool | None = None
    quiet_start: dt.time | None = None
    quiet_end: dt.time | None = None
    referral_id: int | None = None
    referral_scan: str = ""
    email_reminders: bool | None = None  # None: no saved preference (on)
    notify_by_whatsapp: bool = False

    # The query that fills it (deliveries_send), in field order after `pk, kind, channel`.
    FIELDS = (
        "pk", "kind", "channel", "context", "appointment_start", "appointment_id", "appointment__start",
        "appointment__status", "appointment__cancellation_reason", "appointment__scan_type__name",
        "appointment__room__name", "recipient_id", "recipient__email", "recipient__first_name",
        "recipient__last_name", "recipient_phone", "recipient__notify_by_email", "recipient__notify_by_sms",
        "recipient__notification_preference__sms_opted_out", "recipient__notification_preference__quiet_hours",
        "recipient__notification_preference__quiet_start", "recipient__notification_preference__quiet_end",
        "referral_id", "referral__scan_type__name", "recipient__notification_preference__email_reminders",
        "recipient__notify_by_whatsapp",
    )

    @property
    def quiet_window(self) -> tuple[bool, dt.time, dt.time]:
        if self.quiet_hours is None:
            start, end = default_quiet_hours()
            return True, start, end
        return self.quiet_hours, self.quiet_start, self.quiet_end

    @classmethod
    def from_delivery(cls, delivery: Delivery) -> Outgoing:
        appointment, recipient, referral = delivery.appointment, delivery.recipient, delivery.referral
        preference = getattr(recipient, "notification_preference", None) if recipient.pk else None
        return cls(
            pk=delivery.pk, kind=delivery.kind, channel=delivery.channel, context=delivery.context or {},
            planned_start=delivery.appointment_start,
            appointment_id=appointment.pk if appointment else None,
            start=appointment.start if appointment else None,
            status=appointment.status if appointment else "",
            cancellation_reason=appointment.cancellation_reason if appointment else "",
            scan_name=appointment.scan_type.name if appointment else "",
            room_name=appointment.room.name if appointment else "",
            recipient_id=recipient.pk, email=recipient.email, first_name=recipient.first_name,
            last_name=recipient.last_name, phone=recipient.phone.as_e164 if recipient.phone else "",
            notify_by_email=recipient.notify_by_email, notify_by_sms=recipient.notify_by_sms,
            sms_opted_out=preference.sms_opted_out if preference else None,
            quiet_hours=preference.quiet_hours if preference else None,
            quiet_start=preference.quiet_start if preference else None,
            quiet_end=preference.quiet_end if preference else None,
            referral_id=referral.pk if referral else None,
            referral_scan=referral.scan_type.name if referral and referral.scan_type_id else "",
            email_reminders=preference.email_reminders if preference else None,
            notify_by_whatsapp=recipient.notify_by_whatsapp,
        )


def local(moment: dt.datetime | None) -> dt.datetime | None:
    return timezone.localtime(moment, practice_tz()) if moment else None


@functools.lru_cache(maxsize=8)
def _links(base: str) -> tuple[str, str]:
    base = base.rstrip("/")
    return base + reverse("accounts:dashboard"), base + reverse("notifications:preferences")


def build_context(item: Outgoing) -> dict:
    portal_url, preferences_url = _links(settings.NOTIFICATIONS_PUBLIC_BASE_URL)
    extra = item.context or {}
    dependant = extra.get("dependant", "")
    context = {
        "kind": item.kind,
        "dependant_name": dependant,
        "whose": f"{dependant}'s" if dependant else "your",
        "practice": practice_details().name,
        "recipient_name": f"{item.first_name} {item.last_name}".strip(),
        "status": item.status,
        "cancellation_reason": item.cancellation_reason,
        "scan_name": item.scan_name,
        "room_name": item.room_name,
        "referral_number": item.referral_id,
        "referral_scan": item.referral_scan,
        "portal_url": portal_url,
        "preferences_url": preferences_url,
    }
    if item.start is not None:
        start = local(item.start)
        context["start"] = start
        context["when"] = f"{start:%a} {start.day} {start:%b} at {start:%H:%M}"
    if extra.get("old_start"):
        context["old_start"] = local(dt.datetime.fromisoformat(extra["old_start"]))
    if extra.get("offset_hours"):
        context["offset_hours"] = extra["offset_hours"]
    if extra.get("report_id"):
        context["report_url"] = settings.NOTIFICATIONS_PUBLIC_BASE_URL.rstrip("/") + reverse(
            "reports:view", args=[extra["report_id"]])
        context["amended"] = bool(extra.get("amended"))
    if extra.get("offer_id"):
        offer_start = local(dt.datetime.fromisoformat(extra["offer_start"]))
        context["start"] = offer_start
        context["when"] = f"{offer_start:%a} {offer_start.day} {offer_start:%b} at {offer_start:%H:%M}"
        context["scan_name"] = extra.get("offer_scan", "")
        context["offer_expires"] = local(dt.datetime.fromisoformat(extra["offer_expires"]))
        context["offer_url"] = settings.NOTIFICATIONS_PUBLIC_BASE_URL.rstrip("/") + reverse(
            "waitlist:offer", args=[extra["offer_id"]])
    if dependant:
        # A dependant's report or offer opens only once the guardian has chosen them in the portal's
        # header (POST): a link straight to the record would be a 404, so messages link the portal.
        for record_link in ("report_url", "offer_url"):
            if record_link in context:
                context[record_link] = portal_url
    if extra.get("payment_id"):
        from portal.payments.models import Payment

        context["payment"] = Payment.objects.filter(pk=extra["payment_id"]).first()
    return context


def render(item: Outgoing | Delivery, *, to: str) -> Rendered:
    if not isinstance(item, Outgoing):
        item = Outgoing.from_delivery(item)
    context = build_context(item)
    subjects = SUBJECTS_FOR_DEPENDANT if context["dependant_name"] and item.kind in SUBJECTS_FOR_DEPENDANT else SUBJECTS
    subject = subjects[item.kind].format(practice=context["practice"], when=context.get("when", ""),
                                         name=context["dependant_name"], scan=context["scan_name"] or "appointment")
    context["subject"] = subject
    if item.channel in ("sms", "whatsapp"):
        text = render_to_string(f"notifications/sms/{item.kind}.txt", context).strip()
        text = " ".join(text.split())
        if item.channel == "whatsapp":
            from portal.notifications import whatsapp

            return Rendered(to=to, subject="", text=text, content_sid=whatsapp.content_sid_for(item.kind),
                            variables=whatsapp_variables(context))
        return Rendered(to=to, subject="", text=text)
    headers, attachments = {}, ()
    if item.kind == "reminder" and item.recipient_id:
        # RFC 2369 / RFC 8058: mail clients show "Unsubscribe"; one POST turns reminder emails off.
        context["unsubscribe_url"] = unsubscribe_url(item.recipient_id)
        headers = {"List-Unsubscribe": f"<{context['unsubscribe_url']}>",
                   "List-Unsubscribe-Post": "List-Unsubscribe=One-Click"}
    if item.kind in ICS_MESSAGES and item.appointment_id:
        attachments = (("appointment.ics", appointment_ics_for(item.appointment_id), "text/calendar"),)
    text = render_to_string(f"notifications/email/{item.kind}.txt", context).strip() + "\n"
    html = render_to_string(f"notifications/email/{item.kind}.html", context)
    return Rendered(to=to, subject=subject, text=text, html=html, headers=headers, attachments=attachments)


def whatsapp_variables(context: dict) -> dict:
    """The WhatsApp template's numbered variables (whatsapp.TEMPLATE_VARIABLES); empty ones left out."""
    values = {
        "1": context.get("recipient_name", "").split(" ")[0],
        "2": context["whose"],
        "3": context.get("scan_name", ""),
        "4": context.get("when", ""),
        "5": context.get("practice", ""),
        "6": context.get("report_url") or context.get("offer_url") or context.get("portal_url", ""),
    }
    return {number: str(value) for number, value in values.items() if value}


# Confirmations and moves carry the appointment as an .ics file ("add to calendar").
ICS_MESSAGES = ("confirmation", "confirmed", "reschedule")
UNSUBSCRIBE_SALT = "notifications.unsubscribe-reminders"


def unsubscribe_token(user_id: int) -> str:
    return signing.dumps(user_id, salt=UNSUBSCRIBE_SALT, compress=True)


def unsubscribe_user_id(token: str) -> int | None:
    """The user a token was made for, or None when it was tampered with (no expiry: old emails keep working)."""
    try:
        return int(signing.loads(token, salt=UNSUBSCRIBE_SALT))
    except (signing.BadSignature, TypeError, ValueError):
        return None


def unsubscribe_url(user_id: int) -> str:
    return settings.NOTIFICATIONS_PUBLIC_BASE_URL.rstrip("/") + reverse(
        "notifications:unsubscribe", args=[unsubscribe_token(user_id)])


def appointment_ics_for(appointment_id: int) -> bytes:
    from portal.booking.ics import appointment_ics
    from portal.booking.models import Appointment

    appointment = Appointment.objects.select_related("scan_type").get(pk=appointment_id)
    practice = _practice_details()
    return appointment_ics(appointment, practice_name=practice.get("name", ""), address=practice.get("address", ""),
                           host=_public_host())


def _public_host() -> str:
    from urllib.parse import urlsplit

    return urlsplit(settings.NOTIFICATIONS_PUBLIC_BASE_URL).hostname or ""


def _practice_details() -> dict:
    """The practice's name and address, as the calendar view and every page show them."""
    from portal.core.practice import practice_details

    details = practice_details()
    return {"name": details.name or settings.WAGTAIL_SITE_NAME, "address": details.address}

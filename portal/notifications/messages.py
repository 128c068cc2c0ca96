"""The messages the practice sends, and how each is rendered (templates/notifications/...).

Every message has an email (HTML + text) and an SMS text. Times are shown in the practice's time zone
(settings.TIME_ZONE), whatever the worker's own clock says.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from django.conf import settings
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from portal.notifications.channels import Rendered
from portal.notifications.quiet import practice_tz

if TYPE_CHECKING:
    from portal.notifications.models import Delivery

# message -> email subject ({practice} and {when} are filled in)
SUBJECTS = {
    "confirmation": "Your booking at {practice}",
    "confirmed": "Your appointment on {when} is confirmed",
    "reminder": "Reminder: your appointment on {when}",
    "cancellation": "Your appointment on {when} is cancelled",
    "reschedule": "Your appointment has moved to {when}",
    "report_ready": "Your report is ready",
    "feedback_request": "How was your visit to {practice}?",
    "referral_received": "We received your referral",
    "payment_receipt": "Receipt for your payment to {practice}",
}
MESSAGES = tuple(SUBJECTS)


def local(moment: dt.datetime | None) -> dt.datetime | None:
    return timezone.localtime(moment, practice_tz()) if moment else None


def _absolute(path: str) -> str:
    return settings.NOTIFICATIONS_PUBLIC_BASE_URL.rstrip("/") + path


def build_context(delivery: Delivery) -> dict:
    appointment = delivery.appointment
    referral = delivery.referral
    context = {
        "delivery": delivery,
        "message": delivery.message,
        "practice": settings.WAGTAIL_SITE_NAME,
        "recipient": delivery.recipient,
        "appointment": appointment,
        "referral": referral,
        "portal_url": _absolute(reverse("accounts:dashboard")),
        "preferences_url": _absolute(reverse("notifications:preferences")),
    }
    if appointment is not None:
        context["start"] = local(appointment.start)
        context["scan_type"] = appointment.scan_type
        context["room"] = appointment.room
    extra = delivery.context or {}
    if extra.get("old_start"):
        context["old_start"] = local(dt.datetime.fromisoformat(extra["old_start"]))
    if extra.get("offset_hours"):
        context["offset_hours"] = extra["offset_hours"]
    if extra.get("payment_id"):
        from portal.payments.models import Payment

        context["payment"] = Payment.objects.filter(pk=extra["payment_id"]).first()
    if extra.get("report_id"):
        from portal.reports.models import Report

        context["report"] = Report.objects.filter(pk=extra["report_id"]).first()
    return context


def render(delivery: Delivery, *, to: str) -> Rendered:
    context = build_context(delivery)
    when = f"{context['start']:%a %d %b at %H:%M}" if context.get("start") else ""
    subject = SUBJECTS[delivery.message].format(practice=context["practice"], when=when)
    context["subject"] = subject
    if delivery.channel == "sms":
        text = render_to_string(f"notifications/sms/{delivery.message}.txt", context).strip()
        return Rendered(to=to, subject="", text=" ".join(text.split()))
    text = render_to_string(f"notifications/email/{delivery.message}.txt", context).strip() + "\n"
    html = render_to_string(f"notifications/email/{delivery.message}.html", context)
    return Rendered(to=to, subject=subject, text=text, html=html)

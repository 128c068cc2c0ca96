"""Domain events -> django-q2 tasks. Receivers write nothing: they queue a task after commit."""

from __future__ import annotations

from django.db import transaction
from django.dispatch import receiver

from portal.core import signals
from portal.core.enqueue import enqueue

SEND_DUE_REMINDERS = "portal.notifications.tasks.send_due_reminders"
SCHEDULE_NAME = "notifications: send due reminders"


def _queue(func: str, *args) -> None:
    def queue() -> None:  # the broker down: kept in the database, queued when it is back (core.enqueue)
        enqueue(f"portal.notifications.tasks.{func}", *args, task_name=f"notifications.{func}")

    transaction.on_commit(queue)


@receiver(signals.appointment_booked, dispatch_uid="notifications.booked")
def on_booked(sender, appointment, **kwargs) -> None:
    _queue("notify_appointment", appointment.pk, "confirmation")


@receiver(signals.appointment_confirmed, dispatch_uid="notifications.confirmed")
def on_confirmed(sender, appointment, **kwargs) -> None:
    _queue("notify_appointment", appointment.pk, "confirmed")


@receiver(signals.appointment_cancelled, dispatch_uid="notifications.cancelled")
def on_cancelled(sender, appointment, **kwargs) -> None:
    _queue("notify_appointment", appointment.pk, "cancellation")


@receiver(signals.appointment_completed, dispatch_uid="notifications.completed")
def on_completed(sender, appointment, **kwargs) -> None:
    _queue("notify_appointment", appointment.pk, "feedback_request")


@receiver(signals.appointment_rescheduled, dispatch_uid="notifications.rescheduled")
def on_rescheduled(sender, appointment, old_start, **kwargs) -> None:
    _queue("notify_rescheduled", appointment.pk, old_start.isoformat())


@receiver(signals.report_signed, dispatch_uid="notifications.report_signed")
def on_report_signed(sender, report, **kwargs) -> None:
    _queue("notify_referrers_report_signed", report.pk)


@receiver(signals.report_released, dispatch_uid="notifications.report_released")
def on_report_released(sender, report, **kwargs) -> None:
    _queue("notify_report_ready", report.pk)


@receiver(signals.payment_received, dispatch_uid="notifications.payment_received")
def on_payment_received(sender, payment, **kwargs) -> None:
    _queue("notify_payment_receipt", payment.pk)


@receiver(signals.referral_received, dispatch_uid="notifications.referral_received")
def on_referral_received(sender, referral, **kwargs) -> None:
    _queue("notify_referral_received", referral.pk)


def ensure_schedule() -> None:
    """The every-minute job that sends due reminders. Idempotent."""
    from django_q.models import Schedule

    Schedule.objects.update_or_create(
        name=SCHEDULE_NAME,
        defaults={"func": SEND_DUE_REMINDERS, "schedule_type": Schedule.MINUTES, "minutes": 1, "repeats": -1},
    )


def ensure_schedule_after_migrate(sender, using="default", **kwargs) -> None:
    from django_q.models import Schedule

    if not Schedule.objects.using(using).filter(name=SCHEDULE_NAME).exists():
        ensure_schedule()


def on_email_tracking(sender, event, esp_name, **kwargs) -> None:
    """django-anymail's tracking signal (an email service's webhook): delivered or bounced."""
    from portal.notifications.sending import delivery_record_email_event

    reason = (event.reject_reason or "") if event.event_type in ("bounced", "rejected", "failed") else ""
    delivery_record_email_event(provider_message_id=event.message_id or "", event_type=event.event_type,
                                reason=f"{reason} ({esp_name})" if reason else esp_name)

@receiver(signals.report_share_code_issued, dispatch_uid="notifications.report_share_code")
def on_report_share_code(sender, phone, code, expires_at, **kwargs) -> None:
    """Text a share link's access code at once. No delivery row and no task: the code would then be
    stored in the database (the log, the broker); the share keeps only its hash."""
    from portal.notifications.sms import get_backend

    get_backend().send(to=phone, body=share_code_text(code=code, expires_at=expires_at))


def share_code_text(*, code: str, expires_at) -> str:
    from portal.core.practice import practice_details
    from portal.notifications.messages import local

    until = local(expires_at)
    return (f"{practice_details().name}: a patient shared a radiology report with you. Access code {code} "
            f"(the link works until {until.day} {until:%b %Y %H:%M}).")


@receiver(signals.waitlist_offer_made, dispatch_uid="notifications.waitlist_offer")
def on_waitlist_offer(sender, offer, **kwargs) -> None:
    _queue("notify_waitlist_offer", offer.pk, "waitlist_offer")


@receiver(signals.waitlist_offer_taken, dispatch_uid="notifications.waitlist_taken")
def on_waitlist_taken(sender, offer, **kwargs) -> None:
    _queue("notify_waitlist_offer", offer.pk, "waitlist_taken")


@receiver(signals.report_signed, dispatch_uid="notifications.critical_finding")
def on_critical_report_signed(sender, report, **kwargs) -> None:
    """A signed report with a critical finding: the urgent notice to the referring doctors."""
    if report.critical_finding:
        _queue("notify_critical_finding", report.pk)


@receiver(signals.critical_finding_escalated, dispatch_uid="notifications.critical_escalated")
def on_critical_finding_escalated(sender, notice, phones, **kwargs) -> list[dict]:
    """Text the duty phones at once (reports claimed the escalation, exactly once, and runs in the q2
    job already). The numbers are not users, so there is no delivery row: what each send gave back is
    returned for reports to keep on the notice."""
    from portal.notifications.sms import get_backend

    backend = get_backend()
    body = critical_escalation_text(notice=notice)
    results = []
    for phone in phones:
        try:
            results.append({"to": phone, "sid": backend.send(to=phone, body=body)})
        except Exception as exc:  # noqa: BLE001 - each number is tried; the error is kept on the notice
            results.append({"to": phone, "error": f"{type(exc).__name__}: {exc}"[:300]})
    return results


def critical_escalation_text(*, notice) -> str:
    """No patient name (SMS is not private enough): the report's number, the scan, the doctor to call."""
    from django.conf import settings
    from django.urls import reverse

    from portal.core.practice import practice_details
    from portal.referrals.models import Referral

    report = notice.report
    referral = (Referral.objects.filter(appointment_id=report.appointment_id)
                .select_related("referring_doctor__user").order_by("-created_at").first())
    doctor = ""
    if referral is not None:
        user = referral.referring_doctor.user if referral.referring_doctor_id else None
        name = user.get_full_name() if user is not None else referral.doctor_name
        phone = user.phone.as_e164 if user is not None and user.phone else ""
        doctor = f" Referring doctor: {name}{', ' + phone if phone else ''}." if name else ""
    url = settings.NOTIFICATIONS_PUBLIC_BASE_URL.rstrip("/") + reverse("reports:view", args=[report.pk])
    minutes = max(0, int(getattr(settings, "CRITICAL_ACK_MINUTES", 60)))
    return (f"{practice_details().name} URGENT: critical finding in report #{report.pk} "
            f"({report.appointment.scan_type.name}) not acknowledged by the referring doctor within "
            f"{minutes} min.{doctor} Please phone them now: {url}")


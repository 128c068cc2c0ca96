"""Answers to the practice's text and WhatsApp messages: YES says the patient will attend (it confirms attendance
only: a booking that waits for reception's or a radiologist's check stays as it is), NO or CANCEL
cancels through the booking service, STOP opts out of the channel it came by (SMS or WhatsApp),
START opts back in. Every YES and cancellation is recorded as an `AttendanceReply` (who answered,
which appointment, which channel). A guardian's YES or CANCEL is about the next appointment of the
family (their own or a dependant's they may act for), and the answer says whose."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from portal.accounts.models import User
from portal.booking import services as booking
from portal.booking.models import Appointment
from portal.notifications.messages import local
from portal.notifications.models import AttendanceReply
from portal.notifications.services import sms_set_opt_out, whatsapp_set_opt_out

CANCEL_REASON = "Cancelled by SMS reply"
CANCEL_REASONS = {AttendanceReply.Channel.SMS: CANCEL_REASON,
                  AttendanceReply.Channel.WHATSAPP: "Cancelled by WhatsApp reply"}
STOP_WORDS = {"STOP", "STOPALL", "UNSUBSCRIBE", "END", "QUIT"}
START_WORDS = {"START", "UNSTOP", "SUBSCRIBE"}
CONFIRM_WORDS = {"YES", "Y"}
CANCEL_WORDS = {"NO", "N", "CANCEL"}


def _keyword(body: str) -> str:
    words = (body or "").strip().upper().split()
    return words[0].strip(".!") if words else ""


def _patient_for(phone: str) -> User | None:
    """The one patient with this number; None when nobody, or more than one person, has it."""
    users = list(User.objects.filter(phone=phone, is_active=True, groups__name="Patient")[:2])
    return users[0] if len(users) == 1 else None


def _next_appointment(patient: User, statuses) -> Appointment | None:
    """The next appointment of the patient or of a dependant they may act for today."""
    from portal.accounts.proxy import dependants_for

    family = [patient.pk, *(link.dependant_id for link in dependants_for(user=patient))]
    return (
        Appointment.objects.filter(patient_id__in=family, status__in=statuses, start__gt=timezone.now())
        .select_related("patient")
        .order_by("start", "pk")
        .first()
    )


def _whose(appointment: Appointment, patient: User) -> str:
    if appointment.patient_id == patient.pk:
        return "your"
    return f"{appointment.patient.first_name or appointment.patient.get_full_name()}'s"


def _when(appointment: Appointment) -> str:
    start = local(appointment.start)
    return f"{start:%a} {start.day} {start:%b} at {start:%H:%M}"


def _record(appointment: Appointment, patient: User, outcome: str, channel: str, message_id: str) -> None:
    AttendanceReply.objects.create(appointment=appointment, patient=patient, channel=channel, outcome=outcome,
                                   provider_message_id=message_id[:255])


def sms_reply_handle(*, from_number: str, body: str, message_id: str = "",
                     channel: str = AttendanceReply.Channel.SMS) -> str:
    """Act on a reply (by SMS or WhatsApp: `channel`; `from_number` in E.164 without any
    "whatsapp:" prefix) and return the text to answer with ("" for no answer)."""
    if channel not in AttendanceReply.Channel.values:
        raise ValueError(f"Unknown reply channel {channel!r}")
    keyword = _keyword(body)
    by_whatsapp = channel == AttendanceReply.Channel.WHATSAPP
    if keyword in STOP_WORDS:
        if by_whatsapp:
            whatsapp_set_opt_out(phone=from_number, opted_out=True)
            return "You will get no more WhatsApp messages from us. Reply START to receive them again."
        sms_set_opt_out(phone=from_number, opted_out=True)
        return "You will get no more text messages from us. Reply START to receive them again."
    if keyword in START_WORDS:
        if by_whatsapp:
            whatsapp_set_opt_out(phone=from_number, opted_out=False)
            return "WhatsApp messages are on again. Reply STOP to turn them off."
        sms_set_opt_out(phone=from_number, opted_out=False)
        return "Text messages are on again. Reply STOP to turn them off."
    if keyword not in CONFIRM_WORDS | CANCEL_WORDS:
        return ("Reply YES to confirm you will attend your next appointment, CANCEL to cancel it, "
                f"or STOP for no more {'WhatsApp messages' if by_whatsapp else 'texts'}.")
    patient = _patient_for(from_number)
    if patient is None:
        return "We could not match this number to one patient. Please call the practice."
    Status = Appointment.Status
    Outcome = AttendanceReply.Outcome
    if keyword in CONFIRM_WORDS:
        appointment = _next_appointment(patient, list(Appointment.UPCOMING_STATUSES))
        if appointment is None:
            return "You have no upcoming appointment to confirm."
        whose = _whose(appointment, patient)
        if appointment.status == Status.REQUESTED:
            # Attendance only: reception (referral, medical aid) or a radiologist (safety answers)
            # still has to check this booking, and only they move it to confirmed.
            _record(appointment, patient, Outcome.AWAITING_CHECK, channel, message_id)
            if whose != "your":
                return (f"Thank you, we have noted that {whose[:-2]} plans to come on {_when(appointment)}. "
                        f"Reception still has to check {whose} referral and booking details; we will let you "
                        "know when it is confirmed.")
            return (f"Thank you, we have noted that you plan to come on {_when(appointment)}. Reception still has "
                    "to check your referral and booking details; we will let you know when it is confirmed.")
        _record(appointment, patient, Outcome.ATTENDING, channel, message_id)
        if whose != "your":
            return f"Thank you: we have noted that {whose[:-2]} will attend on {_when(appointment)}."
        return f"Thank you: we have noted that you will attend on {_when(appointment)}."
    appointment = _next_appointment(patient, list(Appointment.UPCOMING_STATUSES))
    if appointment is None:
        return "You have no upcoming appointment to cancel."
    try:
        with transaction.atomic():
            booking.appointment_cancel(appointment=appointment, by=patient, reason=CANCEL_REASONS[channel])
            _record(appointment, patient, Outcome.CANCELLED, channel, message_id)
    except ValidationError:
        return "We could not cancel this appointment by text. Please call the practice."
    whose = _whose(appointment, patient)
    whose = whose[0].upper() + whose[1:]
    return f"{whose} appointment on {_when(appointment)} is cancelled. Call us to book a new time."

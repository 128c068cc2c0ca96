"""Answers to the practice's text messages: YES says the patient will attend (it confirms attendance
only: a booking that waits for reception's or a radiologist's check stays as it is), NO or CANCEL
cancels through the booking service, STOP opts out of SMS, START opts back in. Every YES and
cancellation is recorded as an `AttendanceReply` (who, which appointment, which channel)."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from portal.accounts.models import User
from portal.booking import services as booking
from portal.booking.models import Appointment
from portal.notifications.messages import local
from portal.notifications.models import AttendanceReply
from portal.notifications.services import sms_set_opt_out

CANCEL_REASON = "Cancelled by SMS reply"
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
    return (
        Appointment.objects.filter(patient=patient, status__in=statuses, start__gt=timezone.now())
        .order_by("start")
        .first()
    )


def _when(appointment: Appointment) -> str:
    start = local(appointment.start)
    return f"{start:%a} {start.day} {start:%b} at {start:%H:%M}"


def _record(appointment: Appointment, patient: User, outcome: str, channel: str, message_id: str) -> None:
    AttendanceReply.objects.create(appointment=appointment, patient=patient, channel=channel, outcome=outcome,
                                   provider_message_id=message_id[:255])


def sms_reply_handle(*, from_number: str, body: str, message_id: str = "",
                     channel: str = AttendanceReply.Channel.SMS) -> str:
    """Act on a reply and return the text to answer with ("" for no answer)."""
    keyword = _keyword(body)
    if keyword in STOP_WORDS:
        sms_set_opt_out(phone=from_number, opted_out=True)
        return "You will get no more text messages from us. Reply START to receive them again."
    if keyword in START_WORDS:
        sms_set_opt_out(phone=from_number, opted_out=False)
        return "Text messages are on again. Reply STOP to turn them off."
    if keyword not in CONFIRM_WORDS | CANCEL_WORDS:
        return ("Reply YES to confirm you will attend your next appointment, CANCEL to cancel it, "
                "or STOP for no more texts.")
    patient = _patient_for(from_number)
    if patient is None:
        return "We could not match this number to one patient. Please call the practice."
    Status = Appointment.Status
    Outcome = AttendanceReply.Outcome
    if keyword in CONFIRM_WORDS:
        appointment = _next_appointment(patient, [Status.REQUESTED, Status.CONFIRMED])
        if appointment is None:
            return "You have no upcoming appointment to confirm."
        if appointment.status == Status.REQUESTED:
            # Attendance only: reception (referral, medical aid) or a radiologist (safety answers)
            # still has to check this booking, and only they move it to confirmed.
            _record(appointment, patient, Outcome.AWAITING_CHECK, channel, message_id)
            return (f"Thank you, we have noted that you plan to come on {_when(appointment)}. Reception still has "
                    "to check your referral and booking details; we will let you know when it is confirmed.")
        _record(appointment, patient, Outcome.ATTENDING, channel, message_id)
        return f"Thank you: we have noted that you will attend on {_when(appointment)}."
    appointment = _next_appointment(patient, [Status.REQUESTED, Status.CONFIRMED])
    if appointment is None:
        return "You have no upcoming appointment to cancel."
    try:
        with transaction.atomic():
            booking.appointment_cancel(appointment=appointment, by=patient, reason=CANCEL_REASON)
            _record(appointment, patient, Outcome.CANCELLED, channel, message_id)
    except ValidationError:
        return "We could not cancel this appointment by text. Please call the practice."
    return f"Your appointment on {_when(appointment)} is cancelled. Call us to book a new time."

"""Writes of appointments. One function per status transition; each stamps its time and sends its
domain event after commit (portal.core.signals)."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from portal.accounts.models import User
from portal.booking.models import Appointment
from portal.core import signals

Status = Appointment.Status

# status -> the statuses it may move to
TRANSITIONS: dict[str, set[str]] = {
    Status.REQUESTED: {Status.CONFIRMED, Status.CANCELLED, Status.NO_SHOW},
    Status.CONFIRMED: {Status.CHECKED_IN, Status.CANCELLED, Status.NO_SHOW},
    Status.CHECKED_IN: {Status.COMPLETED},
    Status.COMPLETED: set(),
    Status.CANCELLED: set(),
    Status.NO_SHOW: set(),
}

STAMP_FIELD = {
    Status.CONFIRMED: "confirmed_at",
    Status.CHECKED_IN: "checked_in_at",
    Status.COMPLETED: "completed_at",
    Status.CANCELLED: "cancelled_at",
    Status.NO_SHOW: "no_show_at",
}

EVENT = {
    Status.CONFIRMED: signals.appointment_confirmed,
    Status.CHECKED_IN: signals.appointment_checked_in,
    Status.COMPLETED: signals.appointment_completed,
    Status.NO_SHOW: signals.appointment_no_show,
}


def _locked(appointment: Appointment) -> Appointment:
    return Appointment.objects.select_for_update().get(pk=appointment.pk)


def _move(appointment: Appointment, to: str, **changes) -> Appointment:
    """Move a locked appointment to `to`, stamping the time; refuse a transition the flow forbids."""
    if to not in TRANSITIONS[appointment.status]:
        raise ValidationError(
            f"A {appointment.get_status_display().lower()} appointment cannot be marked "
            f"{Status(to).label.lower()}."
        )
    appointment.status = to
    setattr(appointment, STAMP_FIELD[to], timezone.now())
    for name, value in changes.items():
        setattr(appointment, name, value)
    appointment.full_clean()
    appointment.save()
    return appointment


@transaction.atomic
def appointment_confirm(*, appointment: Appointment, by: User | None) -> Appointment:
    appointment = _locked(appointment)
    if appointment.needs_review and appointment.reviewed_at is None:
        raise ValidationError("A radiologist must review the safety answers before this appointment is confirmed.")
    appointment = _move(appointment, Status.CONFIRMED)
    signals.send_on_commit(signals.appointment_confirmed, sender=Appointment, appointment=appointment)
    return appointment


@transaction.atomic
def appointment_check_in(*, appointment: Appointment, by: User | None) -> Appointment:
    appointment = _move(_locked(appointment), Status.CHECKED_IN)
    signals.send_on_commit(signals.appointment_checked_in, sender=Appointment, appointment=appointment)
    return appointment


@transaction.atomic
def appointment_complete(*, appointment: Appointment, by: User | None) -> Appointment:
    appointment = _move(_locked(appointment), Status.COMPLETED)
    signals.send_on_commit(signals.appointment_completed, sender=Appointment, appointment=appointment)
    return appointment


@transaction.atomic
def appointment_mark_no_show(*, appointment: Appointment, by: User | None) -> Appointment:
    appointment = _locked(appointment)
    if appointment.start > timezone.now():
        raise ValidationError("An appointment can be marked as not attended only after its start time.")
    appointment = _move(appointment, Status.NO_SHOW)
    signals.send_on_commit(signals.appointment_no_show, sender=Appointment, appointment=appointment)
    return appointment


@transaction.atomic
def appointment_cancel(*, appointment: Appointment, by: User | None, reason: str) -> Appointment:
    """Cancel and free the slot. Policy (who may cancel until when) is checked by the caller."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError("Please give a reason for the cancellation.")
    appointment = _move(_locked(appointment), Status.CANCELLED, cancellation_reason=reason[:300], cancelled_by=by)
    signals.send_on_commit(signals.appointment_cancelled, sender=Appointment, appointment=appointment, reason=reason)
    return appointment

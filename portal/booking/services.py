"""Writes of appointments. One function per status transition; each stamps its time and sends its
domain event after commit (portal.core.signals)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from portal.accounts.models import User
from portal.accounts.permissions import can, is_clinical_staff
from portal.booking import screening
from portal.booking.models import Appointment, MedicalAidMembership, Room
from portal.booking.schedule import booking_rules, compute_slots
from portal.booking.steps import steps_for
from portal.catalogue.models import Plan, ScanType
from portal.catalogue.selectors import quote_for
from portal.core import signals
from portal.core.clock import local_day, practice_tz
from portal.core.locks import lock_wait

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
    with lock_wait():
        return Appointment.objects.select_for_update().get(pk=appointment.pk)


def _record_actor(appointment: Appointment, by: User | None) -> None:
    """The next history row of this save names ``by`` (django-simple-history's ``_history_user``)."""
    if by is not None:
        appointment._history_user = by


def _move(appointment: Appointment, to: str, *, by: User | None, **changes) -> Appointment:
    """Move a locked appointment to `to`, stamping the time; refuse a transition the flow forbids.

    ``by`` (the acting staff member or patient) is recorded as the history row's user, also when
    the call comes from outside a request (API token, task, scanner); None leaves it to the request
    (django-simple-history's middleware), or "system" when there is none."""
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
    _record_actor(appointment, by)
    appointment.save()
    return appointment


def _assert_may_change(appointment: Appointment, by: User | None, *, action: str, verb: str) -> None:
    """The rule the views ask, asserted here too: the API, a text reply and the waitlist reach the
    cancel and move services without a view. Staff need the action's permission ("cancel",
    "move"); a patient changes their own (or a dependant's). None is the system (a task)."""
    if by is None:
        return
    if can(by, f"booking.{action}_appointment") or can(by, "booking.change_own_appointment", appointment):
        return
    raise ValidationError(f"You may not {verb} this appointment.")


@transaction.atomic
def appointment_confirm(*, appointment: Appointment, by: User | None) -> Appointment:
    appointment = _locked(appointment)
    if appointment.needs_review and appointment.reviewed_at is None:
        raise ValidationError("A radiologist must review the safety answers before this appointment is confirmed.")
    appointment = _move(appointment, Status.CONFIRMED, by=by)
    signals.send_on_commit(signals.appointment_confirmed, sender=Appointment, appointment=appointment)
    return appointment


def check_in_window(appointment: Appointment) -> tuple[dt.datetime, dt.datetime]:
    """When reception may check this patient in: BOOKING_CHECK_IN_EARLY_MINUTES before the start
    until BOOKING_CHECK_IN_LATE_MINUTES after it."""
    return (appointment.start - dt.timedelta(minutes=settings.BOOKING_CHECK_IN_EARLY_MINUTES),
            appointment.start + dt.timedelta(minutes=settings.BOOKING_CHECK_IN_LATE_MINUTES))


def check_in_open(appointment: Appointment, *, now: dt.datetime | None = None) -> bool:
    opens, closes = check_in_window(appointment)
    return opens <= (now or timezone.now()) <= closes


def _check_check_in_window(appointment: Appointment, *, completing: bool = False, by_scanner: bool = False) -> None:
    now = timezone.now()
    opens, closes = check_in_window(appointment)
    tz = practice_tz()
    start = timezone.localtime(appointment.start, tz)
    if by_scanner:
        if timezone.localtime(now, tz).date() != start.date():
            raise ValidationError(
                f"The scanner reported this procedure on another day than the appointment ({start:%-d %b} at "
                f"{start:%H:%M}); reception must move the appointment first."
            )
        return
    if now < opens:
        if completing:
            raise ValidationError(f"Too early to mark this scan complete: it starts {start:%-d %b} at {start:%H:%M}.")
        raise ValidationError(
            f"Too early to check in: this appointment starts {start:%-d %b} at {start:%H:%M}. Check-in opens "
            f"{settings.BOOKING_CHECK_IN_EARLY_MINUTES} minutes before the start "
            f"({timezone.localtime(opens, tz):%-d %b %H:%M})."
        )
    if not completing and now > closes:
        raise ValidationError(
            f"Too late to check in: this appointment started {start:%-d %b} at {start:%H:%M}. "
            "Mark it as did not attend, or move it to a new time."
        )


@transaction.atomic
def appointment_check_in(*, appointment: Appointment, by: User | None, by_scanner: bool = False) -> Appointment:
    """Check the patient in, only within the check-in window, stamping the real time.

    ``by_scanner``: the modality itself reported the procedure started (MPPS), which proves the
    patient is on the table; then any time on the appointment's own (practice-local) day counts."""
    appointment = _locked(appointment)
    if appointment.status == Status.CONFIRMED:
        _check_check_in_window(appointment, by_scanner=by_scanner)
    appointment = _move(appointment, Status.CHECKED_IN, by=by)
    signals.send_on_commit(signals.appointment_checked_in, sender=Appointment, appointment=appointment)
    return appointment


@transaction.atomic
def appointment_complete(*, appointment: Appointment, by: User | None, by_scanner: bool = False) -> Appointment:
    """Mark the scan done (stamping the real time); never before the check-in window opens
    (for the scanner's own report, never on another day than the appointment's)."""
    appointment = _locked(appointment)
    if appointment.status == Status.CHECKED_IN:
        _check_check_in_window(appointment, completing=True, by_scanner=by_scanner)
    appointment = _move(appointment, Status.COMPLETED, by=by)
    signals.send_on_commit(signals.appointment_completed, sender=Appointment, appointment=appointment)
    return appointment


@transaction.atomic
def appointment_mark_no_show(*, appointment: Appointment, by: User | None) -> Appointment:
    appointment = _locked(appointment)
    if appointment.start > timezone.now():
        raise ValidationError("An appointment can be marked as not attended only after its start time.")
    appointment = _move(appointment, Status.NO_SHOW, by=by)
    signals.send_on_commit(signals.appointment_no_show, sender=Appointment, appointment=appointment)
    return appointment


@transaction.atomic
def appointment_cancel(*, appointment: Appointment, by: User | None, reason: str) -> Appointment:
    """Cancel and free the slot. Who may cancel is asserted (the rule the views ask); until when
    (the patient's cutoff) is the caller's policy."""
    _assert_may_change(appointment, by, action="cancel", verb="cancel")
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError("Please give a reason for the cancellation.")
    appointment = _move(_locked(appointment), Status.CANCELLED, by=by,
                        cancellation_reason=reason[:300], cancelled_by=by)
    signals.send_on_commit(signals.appointment_cancelled, sender=Appointment, appointment=appointment, reason=reason)
    return appointment


# --- Booking and moving -----------------------------------------------------------------


class SlotTaken(ValidationError):
    """The slot is no longer free (taken meanwhile, closed, or outside the bookable window)."""

    default_message = "Sorry, that time has just been taken. Please choose another time."

    def __init__(self, message: str = default_message):
        super().__init__(message)


def _lock_rooms(scan_type: ScanType, room: Room | None) -> list[Room]:
    """Lock the candidate rooms (PostgreSQL row locks; SQLite's IMMEDIATE transaction already
    holds the database's write lock), in a fixed order so two bookings never deadlock."""
    rooms = Room.objects.select_for_update().filter(modality=scan_type.modality, active=True).order_by("pk")
    if room is not None:
        rooms = rooms.filter(pk=room.pk)
    with lock_wait("Many people are booking this room right now. Please try again in a moment."):
        return list(rooms)


def _free_room(*, scan_type: ScanType, start: dt.datetime, room: Room | None, staff: bool,
               exclude_pk: int | None = None) -> Room:
    if room is not None and (room.modality != scan_type.modality or not room.active):
        raise ValidationError("That room cannot do this scan.")
    rooms = _lock_rooms(scan_type, room)
    day = local_day(start)
    slots = compute_slots(scan_type=scan_type, rooms=rooms, first_day=day, last_day=day, staff=staff,
                          exclude_pk=exclude_pk)
    for slot in slots:
        if slot.start == start:
            by_pk = {r.pk: r for r in rooms}
            return by_pk[slot.room_ids[0]]
    raise SlotTaken(_why_not_bookable(start, staff=staff))


def _why_not_bookable(start: dt.datetime, *, staff: bool) -> str:
    """Why a time the picker offered is no longer free: the clock moved past it or inside the notice
    a patient must give (a page left open a while), or someone else took it."""
    now = timezone.now()
    if start <= now:
        return "That time has passed. Please choose another time."
    lead = booking_rules(staff=staff).min_lead
    if start < now + lead:
        hours = lead.total_seconds() / 3600
        notice = f"{hours:g} hour{'' if hours == 1 else 's'}"
        return (f"That time is now less than {notice} away, too soon to book online. "
                "Please choose a later time, or call the practice.")
    return SlotTaken.default_message


def booking_status_for(*, scan_type: ScanType, needs_review: bool) -> str:
    """A booking is confirmed at once unless someone must look first: a radiologist (screening
    answers to review) or reception (a referral letter to check). Then it starts as requested."""
    if needs_review or scan_type.needs_referral:
        return Status.REQUESTED
    return Status.CONFIRMED


def appointment_book(
    *,
    patient: User,
    scan_type: ScanType,
    start: dt.datetime,
    plan: Plan | None,
    member_number: str,
    screening_answers: dict[str, Any],
    booked_by: User | None,
    room: Room | None = None,
) -> Appointment:
    """Book `scan_type` for `patient` at `start`: lock, re-check, pick a free room, store price and quote.

    Raises SlotTaken when the time is no longer free (the database constraints are the backstop
    for a race the lock did not stop), ValidationError for a screening "stop" or bad input.
    """
    if start.tzinfo is None:
        raise ValidationError("The start time must carry a time zone.")
    result = screening.evaluate(scan_type.screening_kinds, screening_answers or {})
    if result.outcome == screening.STOP:
        raise ValidationError("The safety answers mean this scan cannot be booked online. Please call the practice.")
    member_number = (member_number or "").strip()
    if plan is not None and not member_number:
        raise ValidationError("Please give your medical-aid member number.")
    staff = booked_by is not None and booked_by.pk != patient.pk and is_clinical_staff(booked_by)
    try:
        with transaction.atomic():
            chosen = _free_room(scan_type=scan_type, start=start, room=room, staff=staff)
            now = timezone.now()
            needs_review = result.outcome == screening.REVIEW
            status = booking_status_for(scan_type=scan_type, needs_review=needs_review)
            quote = quote_for(scan_type=scan_type, plan=plan)
            appointment = Appointment(
                patient=patient, scan_type=scan_type, room=chosen, start=start,
                end=start + dt.timedelta(minutes=scan_type.duration_minutes), status=status,
                requested_at=now, confirmed_at=now if status == Status.CONFIRMED else None,
                price=quote.total, plan=plan, member_number=member_number if plan else "",
                covered_amount=quote.covered, co_payment=quote.co_payment, patient_amount=quote.patient_pays,
                screening_answers={k: v for k, v in (screening_answers or {}).items() if k in screening.BY_KEY},
                needs_review=needs_review, booked_by=booked_by,
            )
            # The related objects are live instances handed in by the caller: skip re-fetching each one.
            appointment.full_clean(exclude=["patient", "scan_type", "room", "plan", "booked_by"],
                                   validate_constraints=False)
            appointment.save()
            signals.send_on_commit(signals.appointment_booked, sender=Appointment, appointment=appointment)
            if status == Status.CONFIRMED:
                signals.send_on_commit(signals.appointment_confirmed, sender=Appointment, appointment=appointment)
    except IntegrityError as exc:
        raise SlotTaken() from exc
    return appointment


@transaction.atomic
def appointment_book_from_wizard(
    *,
    patient: User,
    scan_type: ScanType,
    start: dt.datetime,
    plan: Plan | None,
    member_number: str,
    save_membership: bool,
    screening_answers: dict[str, Any],
    booked_by: User | None,
    state: dict[str, Any],
) -> Appointment:
    """Book what the wizard collected (the web wizard's session state, or the API's body shaped
    the same way), in one transaction: the appointment, the medical aid remembered for next time,
    and each registered step's `on_booked` write (referrals links the letter). A failure in any of
    them leaves none of them, and no event is sent.
    """
    appointment = appointment_book(
        patient=patient, scan_type=scan_type, start=start, plan=plan, member_number=member_number,
        screening_answers=screening_answers, booked_by=booked_by,
    )
    if plan is not None and save_membership:
        membership_save(patient=patient, plan=plan, member_number=member_number)
    for step in steps_for(scan_type):
        if step.on_booked is not None:
            step.on_booked(appointment, state)
    return appointment


def inside_cancel_cutoff(start: dt.datetime, *, now: dt.datetime | None = None) -> bool:
    """Is `start` less than BOOKING_CANCEL_CUTOFF_HOURS away (no online change or cancel then)?"""
    return (now or timezone.now()) >= start - dt.timedelta(hours=settings.BOOKING_CANCEL_CUTOFF_HOURS)


def can_patient_change(appointment: Appointment, *, now: dt.datetime | None = None) -> bool:
    """May the patient still cancel or move this appointment online (before the cutoff)?"""
    return appointment.is_upcoming and not inside_cancel_cutoff(appointment.start, now=now)


def appointment_reschedule(
    *, appointment: Appointment, start: dt.datetime, by: User | None, room: Room | None = None
) -> Appointment:
    """Move an active, not yet started appointment to another time (and room), with the same
    lock-and-re-check as booking. Who may move it is asserted (the rule the views ask); the patient's
    cutoff is the caller's policy."""
    if start.tzinfo is None:
        raise ValidationError("The start time must carry a time zone.")
    try:
        with transaction.atomic():
            current = _locked(appointment)
            _assert_may_change(current, by, action="move", verb="move")
            if not current.is_upcoming:
                raise ValidationError(f"A {current.get_status_display().lower()} appointment cannot be moved.")
            staff = by is not None and by.pk != current.patient_id and is_clinical_staff(by)
            chosen = _free_room(scan_type=current.scan_type, start=start, room=room, staff=staff,
                                exclude_pk=current.pk)
            old_start, old_room_id = current.start, current.room_id
            if old_start == start and old_room_id == chosen.pk:
                return current
            current.start = start
            current.end = start + dt.timedelta(minutes=current.scan_type.duration_minutes)
            current.room = chosen
            current.full_clean(validate_constraints=False)
            _record_actor(current, by)
            current.save()
            signals.send_on_commit(signals.appointment_rescheduled, sender=Appointment, appointment=current,
                                   old_start=old_start, old_room_id=old_room_id)
    except IntegrityError as exc:
        raise SlotTaken() from exc
    return current


@transaction.atomic
def appointment_review(*, appointment: Appointment, by: User) -> Appointment:
    """A radiologist has read the screening answers and clears the appointment to be confirmed."""
    current = _locked(appointment)
    if not current.needs_review:
        raise ValidationError("This appointment has no safety answers to review.")
    if current.reviewed_at is not None:
        raise ValidationError("These safety answers have already been reviewed.")
    current.reviewed_at = timezone.now()
    current.reviewed_by = by
    current.full_clean(validate_constraints=False)
    _record_actor(current, by)
    current.save()
    return current


@transaction.atomic
def membership_save(*, patient: User, plan: Plan, member_number: str) -> MedicalAidMembership:
    """Remember the patient's medical aid for the next booking."""
    member_number = (member_number or "").strip()
    membership = MedicalAidMembership.objects.filter(patient=patient).first() or MedicalAidMembership(patient=patient)
    membership.plan = plan
    membership.member_number = member_number
    membership.full_clean()
    membership.save()
    return membership

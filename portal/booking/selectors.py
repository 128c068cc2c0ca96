"""Reads of booking data, scoped to the requesting user (another user's appointment -> 404)."""

from __future__ import annotations

import datetime as dt

from django.db.models import Count, Q, QuerySet
from django.http import Http404
from django.utils import timezone

from portal.accounts.models import User
from portal.accounts.permissions import can
from portal.accounts.roles import Role
from portal.booking.availability import Slot
from portal.booking.models import Appointment, MedicalAidMembership, Room
from portal.booking.schedule import compute_slots, rooms_for
from portal.catalogue.models import ScanType
from portal.core.clock import practice_tz

Status = Appointment.Status


def appointment_get_for(*, user: User, pk: int) -> Appointment:
    appointment = (
        Appointment.objects.select_related("scan_type", "room", "plan__scheme", "patient", "booked_by", "reviewed_by")
        .filter(pk=pk)
        .first()
    )
    if appointment is None or not can(user, "booking.view_appointment", appointment):
        raise Http404("No such appointment.")
    return appointment


# What a row or card of the patient's appointments shows (templates/booking/includes/status_badge.html).
_ROW_FIELDS = ("start", "end", "status", "needs_review", "reviewed_at", "scan_type__name", "room__name")


def appointment_list_for(*, user: User) -> QuerySet[Appointment]:
    """The patient's own appointments (the list page)."""
    return Appointment.objects.filter(patient=user).select_related("scan_type", "room")


def appointment_split_for(*, user: User, past_limit: int = 20) -> tuple[list[Appointment], list[Appointment]]:
    """Upcoming (soonest first) and the latest past appointments: two queries whatever the count."""
    now = timezone.now()
    # The rows show the date, scan, room and status: no patient details, answers or notes (issue 22).
    mine = appointment_list_for(user=user).only(*_ROW_FIELDS)
    upcoming = list(mine.filter(end__gte=now).order_by("start"))
    past = list(mine.filter(end__lt=now).order_by("-start")[:past_limit])
    return upcoming, past


def next_appointment_for(*, user: User) -> Appointment | None:
    """The dashboard's card: the scan, its time and status (issue 22: not the whole row)."""
    return (
        appointment_list_for(user=user)
        .upcoming()
        .only(*_ROW_FIELDS)
        .order_by("start")
        .first()
    )


def slots_for(*, scan_type: ScanType, day: dt.date, staff: bool = False, room: Room | None = None,
              exclude_pk: int | None = None) -> list[Slot]:
    rooms = [room] if room is not None else rooms_for(scan_type)
    return compute_slots(scan_type=scan_type, rooms=rooms, first_day=day, last_day=day, staff=staff,
                         exclude_pk=exclude_pk)


def slots_between(*, scan_type: ScanType, first_day: dt.date, last_day: dt.date) -> list[Slot]:
    """Free slots for a patient booking `scan_type` from `first_day` to `last_day` (local dates)."""
    return compute_slots(scan_type=scan_type, rooms=rooms_for(scan_type), first_day=first_day, last_day=last_day)


def next_free_day(*, scan_type: ScanType, after: dt.date, staff: bool = False, days: int = 60) -> dt.date | None:
    """The first local date after `after` with a free slot (for "no slots, try ...")."""
    slots = compute_slots(scan_type=scan_type, rooms=rooms_for(scan_type), first_day=after + dt.timedelta(days=1),
                          last_day=after + dt.timedelta(days=days), staff=staff)
    return slots[0].start.astimezone(practice_tz()).date() if slots else None


def membership_for(*, user: User) -> MedicalAidMembership | None:
    return MedicalAidMembership.objects.filter(patient=user).select_related("plan__scheme").first()


def worklist_for(*, user: User, day: dt.date, room_id: int | None = None, modality: str = "",
                 status: str = "") -> QuerySet[Appointment]:
    if not can(user, "booking.view_worklist"):
        raise Http404("No worklist.")
    tz = practice_tz()
    start = dt.datetime.combine(day, dt.time.min, tzinfo=tz)
    qs = Appointment.objects.filter(start__gte=start, start__lt=start + dt.timedelta(days=1)).select_related(
        "scan_type", "room", "patient", "plan__scheme"
    )
    if room_id:
        qs = qs.filter(room_id=room_id)
    if modality:
        qs = qs.filter(scan_type__modality=modality)
    if status == "review":
        qs = qs.filter(needs_review=True, reviewed_at__isnull=True)
    elif status:
        qs = qs.filter(status=status)
    return qs.order_by("start", "room__name")


def day_counts(*, day: dt.date) -> dict[str, int]:
    tz = practice_tz()
    start = dt.datetime.combine(day, dt.time.min, tzinfo=tz)
    rows = Appointment.objects.filter(start__gte=start, start__lt=start + dt.timedelta(days=1)).aggregate(
        total=Count("pk", filter=~Q(status=Status.CANCELLED)),
        requested=Count("pk", filter=Q(status=Status.REQUESTED)),
        confirmed=Count("pk", filter=Q(status=Status.CONFIRMED)),
        checked_in=Count("pk", filter=Q(status=Status.CHECKED_IN)),
        completed=Count("pk", filter=Q(status=Status.COMPLETED)),
        review=Count("pk", filter=Q(needs_review=True, reviewed_at__isnull=True) & ~Q(status=Status.CANCELLED)),
    )
    return rows


def patient_search(*, user: User, query: str = "", date_of_birth: dt.date | None = None) -> QuerySet[User]:
    """Patients matching a name, email or date of birth (staff booking by phone)."""
    if not can(user, "booking.book_for_patient"):
        raise Http404("No patient search.")
    qs = User.objects.filter(groups__name=Role.PATIENT, is_active=True)
    query = (query or "").strip()
    if not query and date_of_birth is None:
        return qs.none()
    for word in query.split()[:4]:
        qs = qs.filter(Q(first_name__icontains=word) | Q(last_name__icontains=word) | Q(email__icontains=word))
    if date_of_birth is not None:
        qs = qs.filter(date_of_birth=date_of_birth)
    return qs.order_by("last_name", "first_name")[:25]


def patient_get_for_booking(*, user: User, pk: int) -> User:
    if not can(user, "booking.book_for_patient"):
        raise Http404
    patient = User.objects.filter(pk=pk, groups__name=Role.PATIENT, is_active=True).first()
    if patient is None:
        raise Http404("No such patient.")
    return patient


def appointment_list_visible_to(*, user: User, everything: bool = False,
                                also: QuerySet | None = None) -> QuerySet[Appointment]:
    """Appointments for a records export (FHIR): all (`everything`), or the user's own plus the
    ids in `also` (a referring doctor's referred appointments, from the referrals app)."""
    qs = Appointment.objects.select_related("scan_type", "room", "patient")
    if everything:
        return qs
    mine = Q(patient=user)
    return qs.filter(mine | Q(pk__in=also) if also is not None else mine)

"""The booking router: availability, booking (the wizard's rules), the patient's appointments,
cancel and reschedule (the same cutoff), and the calendar file."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from ninja import Field, Query, Router, Schema, Status
from ninja.pagination import paginate

from portal.accounts.api import session_token
from portal.accounts.permissions import can
from portal.booking import screening, selectors, services
from portal.booking.ics import appointment_ics
from portal.booking.models import Appointment
from portal.booking.picker import bookable_days
from portal.booking.steps import steps_for
from portal.catalogue.selectors import plan_get_active, scan_type_get_bookable
from portal.core.api import Input, Money, Page, Problem, ProblemOut, local, money, path_id

router = Router(tags=["booking"], auth=session_token)

# Wizard steps the API covers with its own fields; other apps' steps (the referral) are checked
# through their Step.valid / Step.on_booked hooks, so their rules stay in their app.
CORE_STEPS = {"scan", "when", "safety", "payment", "confirm"}
MAX_RANGE_DAYS = 14
ERRORS = {401: ProblemOut, 404: ProblemOut, 422: ProblemOut}

Answer = Literal["yes", "no", "unsure"]


class QuestionOut(Schema):
    key: str
    text: str
    help: str
    answers: list[Answer]


@router.get("/scan-types/{code}/screening-questions", auth=None, response={200: list[QuestionOut], 404: ProblemOut},
            summary="The safety questions a booking of this scan must answer")
def screening_questions(request: HttpRequest, code: str):
    scan = scan_type_get_bookable(code=code)
    return [{"key": q.key, "text": q.text, "help": q.help, "answers": [a for a, _ in screening.ANSWERS]}
            for q in screening.questions_for(scan.screening_kinds)]


class AvailabilityQuery(Schema):
    scan_type: str = Field(..., max_length=50)
    date_from: dt.date
    date_to: dt.date | None = Field(None, description=f"At most {MAX_RANGE_DAYS} days after date_from")


class SlotOut(Schema):
    start: dt.datetime
    end: dt.datetime


class AvailabilityOut(Schema):
    scan_type: str
    date_from: dt.date
    date_to: dt.date
    slots: list[SlotOut]


@router.get("/availability", response={200: AvailabilityOut, 400: ProblemOut, **ERRORS},
            summary="Free start times for a scan over a range of days")
def availability(request: HttpRequest, query: Query[AvailabilityQuery]):
    scan = scan_type_get_bookable(code=query.scan_type)
    first, last = bookable_days()
    date_to = query.date_to or query.date_from
    if date_to < query.date_from:
        raise Problem(400, "date_to is before date_from.")
    if (date_to - query.date_from).days >= MAX_RANGE_DAYS:
        raise Problem(400, f"Ask for at most {MAX_RANGE_DAYS} days at a time.")
    if query.date_from < first or date_to > last:
        raise Problem(400, f"Bookings can be made from {first.isoformat()} to {last.isoformat()}.")
    slots = selectors.slots_between(scan_type=scan, first_day=query.date_from, last_day=date_to)
    return {"scan_type": scan.code, "date_from": query.date_from, "date_to": date_to,
            "slots": [{"start": local(s.start), "end": local(s.end)} for s in slots]}


class AppointmentOut(Schema):
    id: int
    scan_type: str
    scan_name: str
    room: str
    start: dt.datetime
    end: dt.datetime
    status: str
    status_label: str
    needs_review: bool
    price: Money
    covered_by_medical_aid: Money
    co_payment: Money
    patient_pays: Money
    can_change: bool
    cancellation_reason: str

    @staticmethod
    def resolve_scan_type(a: Appointment) -> str:
        return a.scan_type.code

    @staticmethod
    def resolve_scan_name(a: Appointment) -> str:
        return a.scan_type.name

    @staticmethod
    def resolve_room(a: Appointment) -> str:
        return a.room.name

    @staticmethod
    def resolve_start(a: Appointment) -> dt.datetime:
        return local(a.start)

    @staticmethod
    def resolve_end(a: Appointment) -> dt.datetime:
        return local(a.end)

    @staticmethod
    def resolve_status_label(a: Appointment) -> str:
        return a.get_status_display()

    @staticmethod
    def resolve_price(a: Appointment) -> dict:
        return money(a.price)

    @staticmethod
    def resolve_covered_by_medical_aid(a: Appointment) -> dict:
        return money(a.covered_amount)

    @staticmethod
    def resolve_co_payment(a: Appointment) -> dict:
        return money(a.co_payment)

    @staticmethod
    def resolve_patient_pays(a: Appointment) -> dict:
        return money(a.patient_amount)

    @staticmethod
    def resolve_can_change(a: Appointment) -> bool:
        return services.can_patient_change(a)


@router.get("/appointments", response=list[AppointmentOut], summary="Your appointments, newest first")
@paginate(Page)
def appointment_list(request: HttpRequest):
    return selectors.appointment_list_for(user=request.auth).order_by("-start", "-pk")


@router.get("/appointments/{appointment_id}", response={200: AppointmentOut, **ERRORS}, summary="One appointment")
def appointment_detail(request: HttpRequest, appointment_id: int = path_id()):
    return selectors.appointment_get_for(user=request.auth, pk=appointment_id)


class MedicalAidIn(Input):
    plan_id: int = Field(..., ge=1, le=2**31 - 1)
    member_number: str = Field(..., min_length=1, max_length=40)
    remember: bool = Field(True, description="Offer this membership again next time")


class BookingIn(Input):
    scan_type: str = Field(..., max_length=50)
    start: dt.datetime = Field(..., description="A start time from /availability, with its offset")
    screening_answers: dict[str, Answer] = Field(default_factory=dict)
    medical_aid: MedicalAidIn | None = Field(None, description="Leave out to pay yourself")
    referral_id: int | None = Field(None, ge=1, le=2**31 - 1,
                                    description="A letter uploaded with POST /referrals (scans that need one)")


@router.post("/appointments", response={201: AppointmentOut, 400: ProblemOut, 403: ProblemOut, 409: ProblemOut,
                                        **ERRORS},
             summary="Book a scan (a safety 'stop' refuses; a 'review' books as requested)")
def appointment_book(request: HttpRequest, body: BookingIn):
    patient = request.auth
    if not can(patient, "booking.book"):
        raise PermissionDenied("Only patients can book online.")
    scan = scan_type_get_bookable(code=body.scan_type)
    if body.start.tzinfo is None:
        raise Problem(400, "The start time must carry its offset, e.g. 2026-12-03T09:00:00+02:00.")
    unknown = set(body.screening_answers) - {q.key for q in screening.questions_for(scan.screening_kinds)}
    if unknown:
        raise Problem(400, f"These are not safety questions for this scan: {', '.join(sorted(unknown))}.")
    plan = plan_get_active(pk=body.medical_aid.plan_id) if body.medical_aid else None
    state = {"referral_id": body.referral_id}
    for step in steps_for(scan):
        if step.key not in CORE_STEPS and not step.valid(state, patient):
            raise Problem(400, f"This scan needs one more thing before it can be booked: {step.label.lower()} "
                               f"(see the {step.key}_id field).")
    try:
        appointment = services.appointment_book_from_wizard(
            patient=patient, scan_type=scan, start=body.start.astimezone(dt.UTC), plan=plan,
            member_number=body.medical_aid.member_number if body.medical_aid else "",
            save_membership=bool(body.medical_aid and body.medical_aid.remember),
            screening_answers=dict(body.screening_answers), booked_by=patient, state=state,
        )
    except services.SlotTaken as exc:
        raise Problem(409, exc.messages[0], title="Slot taken") from exc
    return Status(201, selectors.appointment_get_for(user=patient, pk=appointment.pk))


def _own_changeable(request: HttpRequest, appointment_id: int) -> Appointment:
    appointment = selectors.appointment_get_for(user=request.auth, pk=appointment_id)
    if not can(request.auth, "booking.change_own_appointment", appointment):
        raise PermissionDenied("Only the patient can change this appointment here.")
    if not services.can_patient_change(appointment):
        if not appointment.is_upcoming:
            raise Problem(409, f"This appointment is {appointment.get_status_display().lower()} and can no "
                               "longer be changed online.")
        raise Problem(409, f"Appointments can be cancelled or moved online until "
                           f"{settings.BOOKING_CANCEL_CUTOFF_HOURS} hours before they start. "
                           "Please call the practice.", title="Too late to change online")
    return appointment


class CancelIn(Input):
    reason: str = Field(..., min_length=1, max_length=300)


CHANGE_RESPONSES = {200: AppointmentOut, 400: ProblemOut, 403: ProblemOut, 409: ProblemOut, **ERRORS}


@router.post("/appointments/{appointment_id}/cancel", response=CHANGE_RESPONSES,
             summary=f"Cancel (until {settings.BOOKING_CANCEL_CUTOFF_HOURS} hours before)")
def appointment_cancel(request: HttpRequest, body: CancelIn, appointment_id: int = path_id()):
    appointment = _own_changeable(request, appointment_id)
    services.appointment_cancel(appointment=appointment, by=request.auth, reason=body.reason)
    return selectors.appointment_get_for(user=request.auth, pk=appointment.pk)


class RescheduleIn(Input):
    start: dt.datetime = Field(..., description="A free start time from /availability, with its offset")


@router.post("/appointments/{appointment_id}/reschedule", response=CHANGE_RESPONSES,
             summary="Move to another free time (same cutoff as cancelling)")
def appointment_reschedule(request: HttpRequest, body: RescheduleIn, appointment_id: int = path_id()):
    appointment = _own_changeable(request, appointment_id)
    if body.start.tzinfo is None:
        raise Problem(400, "The start time must carry its offset, e.g. 2026-12-03T09:00:00+02:00.")
    try:
        services.appointment_reschedule(appointment=appointment, start=body.start.astimezone(dt.UTC),
                                        by=request.auth)
    except services.SlotTaken as exc:
        raise Problem(409, exc.messages[0], title="Slot taken") from exc
    return selectors.appointment_get_for(user=request.auth, pk=appointment.pk)


@router.get("/appointments/{appointment_id}/calendar.ics", response={200: None, **ERRORS},
            summary="The appointment as an iCalendar file",
            openapi_extra={"responses": {200: {"description": "iCalendar",
                                                 "content": {"text/calendar": {"schema": {"type": "string"}}}}}})
def appointment_calendar(request: HttpRequest, appointment_id: int = path_id()):
    from wagtail.contrib.settings.registry import registry

    appointment = selectors.appointment_get_for(user=request.auth, pk=appointment_id)
    model = registry.get_by_natural_key("cms", "practicesettings")
    practice = model.for_request(request) if model is not None else None
    body = appointment_ics(appointment, practice_name=getattr(practice, "practice_name", "") or
                           settings.WAGTAIL_SITE_NAME, address=getattr(practice, "address", "") or "",
                           host=request.get_host())
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="appointment-{appointment.pk}.ics"'
    return response


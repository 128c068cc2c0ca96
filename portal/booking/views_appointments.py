"""The patient's appointment pages: list, details, calendar file, cancel, reschedule, payment summary."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone

from portal.accounts.permissions import can
from portal.booking import screening, selectors, services
from portal.booking.estimate import estimate_from_appointment, estimate_response
from portal.booking.forms import CancelForm, SlotForm
from portal.booking.ics import appointment_ics, calendar_offered
from portal.booking.picker import day_of, picker_response, requested_day
from portal.booking.rules import STAFF_ACTIONS
from portal.booking.views_staff import attendance_replies_for
from portal.core.practice import practice_details
from portal.core.registry import appointment_panels_for


def appointment_list(request: HttpRequest) -> HttpResponse:
    upcoming, past = selectors.appointment_split_for(user=request.user)
    return render(
        request,
        "booking/list.html",
        {"upcoming": upcoming, "past": past, "can_book": can(request.user, "booking.book")},
    )


def appointment_detail(request: HttpRequest, pk: int) -> HttpResponse:
    appointment = selectors.appointment_get_for(user=request.user, pk=pk)
    own = appointment.patient_id == request.user.pk
    staff_actions = {a: can(request.user, f"booking.{a}_appointment") for a in STAFF_ACTIONS} if not own else {}
    return render(
        request,
        "booking/detail.html",
        {
            "appointment": appointment,
            "own": own,
            "can_change": own and services.can_patient_change(appointment),
            "offer_calendar": calendar_offered(appointment),
            "check_in_open": services.check_in_open(appointment),
            "check_in_opens": services.check_in_window(appointment)[0],
            "now": timezone.now(),
            "cutoff_hours": settings.BOOKING_CANCEL_CUTOFF_HOURS,
            "screening_rows": screening.describe(appointment.screening_answers or {}),
            "panels": appointment_panels_for(request.user, appointment),
            "staff_actions": staff_actions,
            "attendance_replies": attendance_replies_for(request.user, appointment),
        },
    )


def appointment_calendar(request: HttpRequest, pk: int) -> HttpResponse:
    appointment = selectors.appointment_get_for(user=request.user, pk=pk)
    practice = practice_details()
    body = appointment_ics(appointment, practice_name=practice.name, address=practice.address,
                           host=request.get_host())
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="appointment-{appointment.pk}.ics"'
    response["X-Content-Type-Options"] = "nosniff"
    return response


def appointment_estimate(request: HttpRequest, pk: int) -> HttpResponse:
    """The printable estimate (PDF) from the appointment's stored quote."""
    appointment = selectors.appointment_get_for(user=request.user, pk=pk)
    estimate = estimate_from_appointment(appointment, issued_at=timezone.now())
    return estimate_response(estimate, request=request)


def appointment_payment_summary(request: HttpRequest, pk: int) -> HttpResponse:
    appointment = selectors.appointment_get_for(user=request.user, pk=pk)
    return render(
        request,
        "booking/payment_summary.html",
        {
            "appointment": appointment,
            "panels": appointment_panels_for(request.user, appointment),
        },
    )


def _own_changeable(request: HttpRequest, pk: int):
    appointment = selectors.appointment_get_for(user=request.user, pk=pk)
    if not can(request.user, "booking.change_own_appointment", appointment):
        raise PermissionDenied
    return appointment


def appointment_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    appointment = _own_changeable(request, pk)
    allowed = services.can_patient_change(appointment)
    form = CancelForm(request.POST or None)
    if request.method == "POST":
        if not allowed:
            messages.error(request, _too_late_message(request, appointment))
            return redirect("booking:detail", pk=appointment.pk)
        if form.is_valid():
            try:
                services.appointment_cancel(
                    appointment=appointment, by=request.user, reason=form.cleaned_data["reason"]
                )
            except ValidationError as exc:
                messages.error(request, " ".join(exc.messages))
                return redirect("booking:detail", pk=appointment.pk)
            messages.success(request, "Your appointment is cancelled. The time is free for someone else.")
            return redirect("booking:detail", pk=appointment.pk)
    return render(
        request,
        "booking/cancel.html",
        {
            "appointment": appointment,
            "form": form,
            "allowed": allowed,
            "too_late": None if allowed else _too_late_message(request, appointment),
        },
    )


def _too_late_message(request: HttpRequest, appointment) -> str:
    if not appointment.is_upcoming:
        return f"This appointment is {appointment.get_status_display().lower()} and can no longer be changed online."
    phone = practice_details().phone
    call = f"please call the practice on {phone}" if phone else "please call the practice"
    return (
        f"Appointments can be cancelled or moved online until {settings.BOOKING_CANCEL_CUTOFF_HOURS} hours "
        f"before they start. To change this one, {call}."
    )


def appointment_reschedule(request: HttpRequest, pk: int) -> HttpResponse:
    appointment = _own_changeable(request, pk)
    if not services.can_patient_change(appointment):
        messages.error(request, _too_late_message(request, appointment))
        return redirect("booking:detail", pk=appointment.pk)
    day, error = requested_day(request)
    if request.method == "POST":
        form = SlotForm(request.POST)
        if form.is_valid():
            start = form.cleaned_data["start"]
            day, error = day_of(start)
            if not error:
                try:
                    services.appointment_reschedule(appointment=appointment, start=start, by=request.user)
                except ValidationError as exc:
                    error = exc.messages[0]
                else:
                    messages.success(request, "Your appointment has been moved.")
                    return redirect("booking:detail", pk=appointment.pk)
        else:
            error = form.errors["start"][0]
    if error:
        messages.error(request, error)
    if day is None and not error:
        day, _ = day_of(appointment.start)
    partial = bool(request.htmx and request.method == "GET" and request.GET.get("partial"))
    return _reschedule_picker(request, appointment, day, partial=partial,
                              context={"appointment": appointment})


def appointment_reschedule_slots(request: HttpRequest, pk: int) -> HttpResponse:
    appointment = _own_changeable(request, pk)
    day, error = requested_day(request)
    return _reschedule_picker(request, appointment, day, partial=True, error=error)


def _reschedule_picker(request: HttpRequest, appointment, day, *, partial: bool, error: str = "",
                       context: dict | None = None) -> HttpResponse:
    return picker_response(
        request, scan=appointment.scan_type, day=day, partial=partial, error=error, exclude_pk=appointment.pk,
        slots_url=reverse("booking:reschedule_slots", args=[appointment.pk]),
        page_url=reverse("booking:reschedule", args=[appointment.pk]),
        template="booking/reschedule.html", context=context,
    )

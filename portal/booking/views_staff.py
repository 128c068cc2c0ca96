"""The staff worklist: a day's appointments, filtered, with the transitions and moves."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from portal.accounts.permissions import can
from portal.booking import selectors, services
from portal.booking.forms import CancelForm, MoveForm, WorklistFilterForm
from portal.booking.models import Appointment, Room
from portal.booking.picker import day_of, picker_response, requested_day
from portal.booking.rules import STAFF_ACTIONS
from portal.core.clock import local_day


def worklist(request: HttpRequest) -> HttpResponse:
    if not can(request.user, "booking.view_worklist"):
        raise Http404
    form = WorklistFilterForm(request.GET or None)
    data = form.cleaned_data if form.is_valid() else {}
    day = data.get("date") or timezone.localdate()
    room = data.get("room")
    appointments = list(
        selectors.worklist_for(
            user=request.user,
            day=day,
            room_id=room.pk if room else None,
            modality=data.get("modality") or "",
            status=data.get("status") or "",
        )
    )
    actions = {a: can(request.user, f"booking.{a}_appointment") for a in STAFF_ACTIONS}
    now = timezone.now()
    for appointment in appointments:  # for the Check in / Complete buttons (the service checks again)
        appointment.check_in_opens = services.check_in_window(appointment)[0]
        appointment.check_in_open = services.check_in_open(appointment, now=now)
    return render(
        request,
        "booking/worklist.html",
        {
            "form": form,
            "day": day,
            "appointments": appointments,
            "actions": actions,
            "counts": selectors.day_counts(day=day),
            "now": now,
            "prev_day": (day - timezone.timedelta(days=1)).isoformat(),
            "next_day": (day + timezone.timedelta(days=1)).isoformat(),
            "today": timezone.localdate(),
            "here": request.get_full_path(),
            "can_book_for": can(request.user, "booking.book_for_patient"),
        },
    )


def _back(request: HttpRequest, appointment: Appointment) -> str:
    target = request.POST.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return _worklist_url(appointment.start)


def _worklist_url(start) -> str:
    """The worklist at the practice-local day of `start`."""
    return reverse("booking:worklist") + f"?date={local_day(start).isoformat()}"


TRANSITIONS = {
    "confirm": (services.appointment_confirm, "Appointment confirmed."),
    "check_in": (services.appointment_check_in, "Patient checked in."),
    "complete": (services.appointment_complete, "Scan marked complete."),
    "no_show": (services.appointment_mark_no_show, "Marked as did not attend."),
    "review": (None, "Safety answers marked as reviewed; the appointment can now be confirmed."),
}


@require_POST
def appointment_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    appointment = selectors.appointment_get_for(user=request.user, pk=pk)
    if action not in STAFF_ACTIONS or action == "move" or not can(request.user, f"booking.{action}_appointment"):
        raise Http404
    try:
        if action == "cancel":
            form = CancelForm(request.POST)
            if not form.is_valid():
                raise ValidationError(form.errors["reason"][0])
            services.appointment_cancel(appointment=appointment, by=request.user, reason=form.cleaned_data["reason"])
            done = "Appointment cancelled."
        elif action == "review":
            services.appointment_review(appointment=appointment, by=request.user)
            done = TRANSITIONS["review"][1]
        else:
            service, done = TRANSITIONS[action]
            service(appointment=appointment, by=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, done)
    return redirect(_back(request, appointment))


def _room_id(*values) -> int:
    """The first value that is a room id (digits); 0 (no room) for anything else, such as a typo."""
    for value in values:
        if value is not None and str(value).isdigit():
            return int(value)
    return 0


def appointment_move(request: HttpRequest, pk: int) -> HttpResponse:
    """Staff: move to another room and/or time, through the locking service."""
    appointment = selectors.appointment_get_for(user=request.user, pk=pk)
    if not can(request.user, "booking.move_appointment"):
        raise Http404
    scan = appointment.scan_type
    rooms = Room.objects.filter(modality=scan.modality, active=True)
    room = (
        rooms.filter(pk=_room_id(request.GET.get("room"), request.POST.get("room"), appointment.room_id)).first()
        or appointment.room
    )
    day, error = requested_day(request)
    if request.method == "POST":
        form = MoveForm(request.POST, modality=scan.modality)
        if form.is_valid():
            start = form.cleaned_data["start"]
            try:
                services.appointment_reschedule(
                    appointment=appointment, start=start, by=request.user, room=form.cleaned_data["room"]
                )
            except ValidationError as exc:
                error = exc.messages[0]
                day, _ = day_of(start)
            else:
                messages.success(request, "Appointment moved.")
                return redirect(_worklist_url(start))
        else:
            error = next(iter(form.errors.values()))[0]
    if error:
        messages.error(request, error)
    if day is None and not error:
        day, _ = day_of(appointment.start)
    return _move_picker(request, appointment, room, day, partial=False,
                        context={"appointment": appointment, "rooms": rooms, "room": room})


def appointment_move_slots(request: HttpRequest, pk: int) -> HttpResponse:
    appointment = selectors.appointment_get_for(user=request.user, pk=pk)
    if not can(request.user, "booking.move_appointment"):
        raise Http404
    room = (
        Room.objects.filter(modality=appointment.scan_type.modality, active=True,
                            pk=_room_id(request.GET.get("room"))).first()
        or appointment.room
    )
    day, error = requested_day(request)
    return _move_picker(request, appointment, room, day, partial=True, error=error)


def _move_picker(request: HttpRequest, appointment: Appointment, room: Room, day, *, partial: bool,
                 error: str = "", context: dict | None = None) -> HttpResponse:
    return picker_response(
        request, scan=appointment.scan_type, day=day, partial=partial, error=error, staff=True, room=room,
        exclude_pk=appointment.pk,
        slots_url=reverse("booking:move_slots", args=[appointment.pk]) + f"?room={room.pk}",
        page_url=reverse("booking:move", args=[appointment.pk]) + f"?room={room.pk}",
        template="booking/move.html", context=context,
    )


def attendance_replies_for(user, appointment: Appointment) -> list:
    """The patient's text replies about this appointment (YES / CANCEL: when, by which channel, what
    each did), newest first, for the staff who run the day's list (issue 13, item 5). Read through the
    reverse relation notifications' AttendanceReply adds, so booking imports nothing from it."""
    if not can(user, "booking.view_worklist") or appointment.patient_id == user.pk:
        return []
    replies = getattr(appointment, "attendance_replies", None)
    return list(replies.order_by("-created_at", "-id")) if replies is not None else []

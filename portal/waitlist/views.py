"""Waitlist pages: join, my waitlist and offers, accept (into the booking wizard), staff list."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from portal.accounts.permissions import can
from portal.booking import selectors as booking_selectors
from portal.booking.picker import parse_day
from portal.booking.wizard import Wizard
from portal.catalogue.selectors import scan_type_get_bookable
from portal.waitlist import selectors, services
from portal.waitlist.forms import JoinForm, OfferByHandForm


def _errors(exc: ValidationError) -> str:
    return " ".join(exc.messages)


def join(request: HttpRequest) -> HttpResponse:
    if not can(request.user, "waitlist.join"):
        raise PermissionDenied
    scan = scan_type_get_bookable(code=request.GET.get("scan") or request.POST.get("scan") or "")
    replaces = None
    appointment_id = request.GET.get("appointment") or request.POST.get("appointment")
    if appointment_id:
        try:
            replaces = booking_selectors.appointment_get_for(user=request.user, pk=int(appointment_id))
        except ValueError:
            raise Http404("No such appointment.") from None
        if replaces.patient_id != request.user.pk or replaces.scan_type_id != scan.pk:
            raise Http404("No such appointment.")
    before = timezone.localtime(replaces.start).date() if replaces else None
    form = JoinForm(request.POST or None, initial=JoinForm.initial_for(before=before))
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.waitlist_join(patient=request.user, scan_type=scan, earliest=data["earliest"],
                                   latest=data["latest"], time_of_day=data["time_of_day"], replaces=replaces)
        except ValidationError as exc:
            if hasattr(exc, "error_dict"):
                for field, errors in exc.message_dict.items():
                    form.add_error(field if field in form.fields else None, errors)
            else:
                form.add_error(None, _errors(exc))
        else:
            messages.success(request, f"You are on the waitlist for {scan.name}. We will tell you as soon as a "
                             "matching time frees up.")
            return redirect("waitlist:mine")
    status = 400 if request.method == "POST" else 200
    return render(request, "waitlist/join.html", {"form": form, "scan": scan, "replaces": replaces}, status=status)


def mine(request: HttpRequest) -> HttpResponse:
    if not can(request.user, "waitlist.join"):
        raise PermissionDenied
    now = timezone.now()
    return render(request, "waitlist/mine.html", {"entries": selectors.entries_for(user=request.user), "now": now})


def offer(request: HttpRequest, pk: int) -> HttpResponse:
    made = selectors.offer_get_for(user=request.user, pk=pk)
    return render(request, "waitlist/offer.html", {"offer": made, "problem": services.offer_check(made)})


@require_POST
def offer_accept(request: HttpRequest, pk: int) -> HttpResponse:
    """Take up the offer: the booking wizard opens at the next step with this scan and time (the
    safety questions and the quote still apply; the booking service decides who was first)."""
    made = selectors.offer_get_for(user=request.user, pk=pk)
    problem = services.offer_check(made)
    if problem:
        messages.warning(request, problem)
        return redirect("waitlist:offer", pk=made.pk)
    wizard = Wizard(request)
    wizard.reset(scan=made.entry.scan_type.code, start=made.start.isoformat())
    messages.info(request, f"Please finish booking before {timezone.localtime(made.expires_at):%H:%M}: "
                  "the first person to confirm gets the time.")
    step = wizard.first_missing(made.entry.scan_type)
    return redirect(wizard.redirect_url(step) if step is not None else reverse("booking:book_confirm"))


@require_POST
def offer_decline(request: HttpRequest, pk: int) -> HttpResponse:
    made = selectors.offer_get_for(user=request.user, pk=pk)
    services.waitlist_offer_decline(offer=made, by=request.user)
    messages.success(request, "Thank you for letting us know. You stay on the waitlist.")
    return redirect("waitlist:mine")


@require_POST
def leave(request: HttpRequest, pk: int) -> HttpResponse:
    entry = selectors.entry_get_for(user=request.user, pk=pk)
    services.waitlist_leave(entry=entry, by=request.user)
    messages.success(request, f"You left the waitlist for {entry.scan_type.name}.")
    return redirect("waitlist:staff" if entry.patient_id != request.user.pk else "waitlist:mine")


def staff(request: HttpRequest) -> HttpResponse:
    return render(request, "waitlist/staff.html", {"groups": selectors.staff_waitlist(user=request.user),
                                                   "now": timezone.now()})


def staff_offer(request: HttpRequest, pk: int) -> HttpResponse:
    """Staff offer a free time by hand: pick a day, see its free times for the scan, offer one."""
    if not can(request.user, "waitlist.manage"):
        raise PermissionDenied
    entry = selectors.entry_get_for(user=request.user, pk=pk)
    day, error = parse_day(request.GET.get("date") or request.POST.get("date") or entry.earliest.isoformat())
    if error:
        messages.error(request, error)
    if request.method == "POST":
        form = OfferByHandForm(request.POST)
        if form.is_valid():
            try:
                services.waitlist_offer_by_hand(entry=entry, start=form.cleaned_data["start"], by=request.user)
            except ValidationError as exc:
                messages.error(request, _errors(exc))
            else:
                messages.success(request, f"Offer sent to {entry.patient.get_full_name() or entry.patient.email}.")
                return redirect("waitlist:staff")
        else:
            messages.error(request, "Please choose one of the free times.")
    day = day or timezone.localdate()
    slots = booking_selectors.slots_for(scan_type=entry.scan_type, day=day, staff=True)
    return render(request, "waitlist/staff_offer.html", {
        "entry": entry, "day": day, "slots": slots,
        "prev_day": day - dt.timedelta(days=1), "next_day": day + dt.timedelta(days=1),
        "action": reverse("waitlist:staff_offer", args=[entry.pk]),
    })

"""The booking wizard's steps: scan -> date and time -> safety -> payment -> (referral) -> confirm.

State lives in the session (wizard.Wizard). Each step checks the earlier ones are done and sends
the user back to the first missing one (wizard.load_step). The confirm step re-derives everything
server-side and books through one service (services.appointment_book_from_wizard).
"""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.core import signing
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from portal.accounts.models import User
from portal.booking import screening, selectors, services
from portal.booking.estimate import estimate_from_quote, estimate_response
from portal.booking.forms import PatientSearchForm, PaymentForm, ScreeningForm, SlotForm
from portal.booking.picker import day_of, parse_day, picker_response, requested_day
from portal.booking.wizard import (
    Wizard,
    load_step,
    patient_for,
    scan_for,
    scans_for,
    staff_booking,
    step_context,
    wizard_view,
)
from portal.catalogue.models import ScanType
from portal.catalogue.selectors import plan_get_active, quote_for
from portal.core.clock import local_day, parse_aware

CONFIRM_SALT = "booking.confirm"
CONFIRM_MAX_AGE = 60 * 30


# --- Steps -------------------------------------------------------------------------------


@wizard_view("scan")
def book(request: HttpRequest, step: str) -> HttpResponse:
    """Step 1: which scan. `?scan=CODE` preselects it and goes on to the date."""
    wizard = Wizard(request)
    patient = patient_for(request, wizard)
    code = request.POST.get("scan") if request.method == "POST" else request.GET.get("scan")
    if code:
        scan = scan_for(request, code)
        if wizard.state.get("scan") != scan.code:
            wizard.reset(**{k: v for k, v in wizard.state.items() if k in ("patient_id",)}, scan=scan.code)
        return redirect("booking:book_when")
    current = wizard.state.get("scan")
    scans = list(scans_for(request))
    return render(
        request,
        "booking/wizard/scan.html",
        step_context(request, wizard, patient, None, step, scans=scans, current=current),
    )


@wizard_view("when")
def book_when(request: HttpRequest, step: str) -> HttpResponse:
    """Step 2: the date and a free time (the picker refreshes through htmx)."""
    wizard, patient, scan = load_step(request, step)
    staff = staff_booking(request)
    if request.method == "POST":
        form = SlotForm(request.POST)
        day, _ = parse_day(request.POST.get("date"))
        if form.is_valid():
            start = form.cleaned_data["start"]
            day, error = day_of(start)
            free = {slot.start for slot in selectors.slots_for(scan_type=scan, day=day, staff=staff)} if day else set()
            if error:
                messages.error(request, error)
            elif start not in free:
                messages.error(request, "Sorry, that time is no longer available. Here are the free times now.")
            else:
                wizard.update(start=start.isoformat())
                return redirect(wizard.redirect_url(wizard.first_missing(scan)))
        else:
            messages.error(request, form.errors["start"][0])
    else:
        day, error = requested_day(request)
        if error:
            messages.error(request, error)
        if day is None and not error and wizard.state.get("start"):
            day = local_day(parse_aware(wizard.state["start"]))
    return _when_picker(request, wizard, scan, day, partial=False,
                        context=step_context(request, wizard, patient, scan, step))


@wizard_view("when")
def book_slots(request: HttpRequest, step: str) -> HttpResponse:
    """The picker alone, for htmx (a plain GET falls back to the whole step)."""
    wizard, _, scan = load_step(request, step)
    day, error = requested_day(request)
    return _when_picker(request, wizard, scan, day, partial=True, error=error)


def _when_picker(request: HttpRequest, wizard: Wizard, scan: ScanType, day, *, partial: bool, error: str = "",
                 context: dict | None = None) -> HttpResponse:
    return picker_response(
        request, scan=scan, day=day, partial=partial, error=error, staff=staff_booking(request),
        selected=wizard.state.get("start", ""), slots_url=reverse("booking:book_slots"),
        page_url=reverse("booking:book_when"), template="booking/wizard/when.html", context=context,
    )


@wizard_view("safety")
def book_safety(request: HttpRequest, step: str) -> HttpResponse:
    """Step 3: safety questions (only for scans that need them)."""
    wizard, patient, scan = load_step(request, step)
    kinds = scan.screening_kinds
    if not kinds:
        return redirect(wizard.redirect_url(wizard.first_missing(scan)))
    answers = wizard.state.get("answers") if wizard.state.get("screened") == scan.code else None
    form = ScreeningForm(request.POST or None, kinds=kinds, initial=answers or None)
    if request.method == "POST" and form.is_valid():
        result = screening.evaluate(kinds, form.cleaned_data)
        if result.outcome == screening.STOP:
            wizard.drop("answers", "screened")
            return render(
                request,
                "booking/wizard/safety_stop.html",
                step_context(request, wizard, patient, scan, step,
                             stops=[screening.BY_KEY[k].text for k in result.stops]),
                status=200,
            )
        wizard.update(answers=dict(form.cleaned_data), screened=scan.code)
        if result.outcome == screening.REVIEW:
            messages.info(
                request,
                "Thank you. A radiologist will review your answers before we confirm the "
                "appointment; we keep the time for you meanwhile.",
            )
        return redirect(wizard.redirect_url(wizard.first_missing(scan)))
    return render(request, "booking/wizard/safety.html", step_context(request, wizard, patient, scan, step, form=form))


@wizard_view("payment")
def book_payment(request: HttpRequest, step: str) -> HttpResponse:
    """Step 4: medical aid (saved for next time) or self-pay."""
    wizard, patient, scan = load_step(request, step)
    membership = selectors.membership_for(user=patient)
    if request.method == "POST":
        form = PaymentForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            if data["method"] == PaymentForm.MEDICAL_AID:
                try:
                    plan = plan_get_active(pk=data["plan"])
                except Http404:
                    form.add_error("plan", "Please choose a plan from the list.")
                else:
                    wizard.update(
                        payment="aid",
                        plan_id=plan.pk,
                        member_number=data["member_number"].strip(),
                        save_membership=bool(data["save_membership"]),
                    )
                    return redirect(wizard.redirect_url(wizard.first_missing(scan)))
            else:
                wizard.update(payment="self", plan_id=None, member_number="", save_membership=False)
                return redirect(wizard.redirect_url(wizard.first_missing(scan)))
    else:
        if wizard.state.get("payment"):
            initial = {
                "method": wizard.state["payment"],
                "plan": wizard.state.get("plan_id"),
                "member_number": wizard.state.get("member_number", ""),
                "save_membership": wizard.state.get("save_membership", True),
            }
        elif membership:
            initial = {
                "method": "aid",
                "plan": membership.plan_id,
                "member_number": membership.member_number,
                "save_membership": True,
            }
        else:
            initial = {"save_membership": True}
        form = PaymentForm(initial=initial)
    return render(
        request,
        "booking/wizard/payment.html",
        step_context(request, wizard, patient, scan, step, form=form, membership=membership),
    )


def _derive(wizard: Wizard, scan: ScanType):
    """The plan and the quote from the state and the live catalogue (never from the browser)."""
    plan = None
    if wizard.state.get("payment") == "aid":
        plan = plan_get_active(pk=wizard.state.get("plan_id") or 0)
    return plan, quote_for(scan_type=scan, plan=plan)


def _token(patient: User, scan: ScanType, start_iso: str, plan, quote) -> str:
    return signing.dumps(
        {
            "patient": patient.pk,
            "scan": scan.code,
            "start": start_iso,
            "plan": plan.pk if plan else None,
            "quote": quote.as_dict(),
        },
        salt=CONFIRM_SALT,
    )


@wizard_view("confirm")
def book_confirm(request: HttpRequest, step: str) -> HttpResponse:
    """Step 5: the quote and a summary; posting books through the locking service."""
    wizard, patient, scan = load_step(request, step)
    try:
        plan, quote = _derive(wizard, scan)
    except Http404:
        wizard.drop("payment", "plan_id")
        messages.error(request, "That medical aid plan is no longer available. Please choose again.")
        return redirect("booking:book_payment")
    start_iso = wizard.state["start"]
    start = parse_aware(start_iso)
    token = _token(patient, scan, start_iso, plan, quote)
    answers = wizard.state.get("answers", {}) if wizard.state.get("screened") == scan.code else {}
    result = screening.evaluate(scan.screening_kinds, answers)
    ctx = step_context(
        request,
        wizard,
        patient,
        scan,
        step,
        plan=plan,
        quote=quote,
        token=token,
        screening_rows=screening.describe(answers),
        needs_review=result.outcome == screening.REVIEW,
        status_after=services.booking_status_for(scan_type=scan, needs_review=result.outcome == screening.REVIEW),
        inside_cutoff=services.inside_cancel_cutoff(start),
        cutoff_hours=settings.BOOKING_CANCEL_CUTOFF_HOURS,
    )
    if request.method != "POST":
        return render(request, "booking/wizard/confirm.html", ctx)

    try:
        shown = signing.loads(request.POST.get("token", ""), salt=CONFIRM_SALT, max_age=CONFIRM_MAX_AGE)
    except signing.BadSignature:
        messages.error(
            request, "This confirmation was changed or has expired. Please check the details and confirm again."
        )
        return render(request, "booking/wizard/confirm.html", ctx, status=400)
    expected = {"patient": patient.pk, "scan": scan.code, "start": start_iso, "plan": plan.pk if plan else None}
    if any(shown.get(k) != v for k, v in expected.items()):
        messages.error(request, "The booking details changed in another window. Please check them and confirm again.")
        return render(request, "booking/wizard/confirm.html", ctx, status=409)
    if shown.get("quote") != quote.as_dict():
        messages.warning(request, "The price has changed since you opened this page. Please check the new quote.")
        return render(request, "booking/wizard/confirm.html", ctx, status=409)
    try:
        appointment = services.appointment_book_from_wizard(
            patient=patient,
            scan_type=scan,
            start=start,
            plan=plan,
            member_number=wizard.state.get("member_number", ""),
            save_membership=bool(wizard.state.get("save_membership")),
            screening_answers=answers,
            booked_by=request.user,
            state=wizard.state,
        )
    except services.SlotTaken as exc:
        wizard.drop("start")
        messages.error(request, exc.messages[0])
        return redirect(f"{reverse('booking:book_when')}?date={local_day(start).isoformat()}")
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return render(request, "booking/wizard/confirm.html", ctx, status=400)
    wizard.reset()
    if appointment.status == appointment.Status.CONFIRMED:
        messages.success(request, "Your appointment is booked and confirmed.")
    else:
        messages.success(
            request, "Your appointment is booked. We will confirm it once the practice has checked the details."
        )
    return redirect("booking:detail", pk=appointment.pk)


@wizard_view("confirm")
def book_estimate(request: HttpRequest, step: str) -> HttpResponse:
    """The confirm step's quote as a printable estimate (PDF): the same numbers the step shows."""
    wizard, patient, scan = load_step(request, step)
    try:
        plan, quote = _derive(wizard, scan)
    except Http404:
        wizard.drop("payment", "plan_id")
        messages.error(request, "That medical aid plan is no longer available. Please choose again.")
        return redirect("booking:book_payment")
    estimate = estimate_from_quote(
        patient=patient, scan_type=scan, start=parse_aware(wizard.state["start"]), plan=plan,
        member_number=wizard.state.get("member_number", ""), quote=quote, issued_at=timezone.now(),
    )
    return estimate_response(estimate, request=request)


@require_POST
def book_restart(request: HttpRequest) -> HttpResponse:
    wizard = Wizard(request)
    keep = {"patient_id": wizard.state["patient_id"]} if wizard.state.get("patient_id") else {}
    wizard.reset(**keep)
    return redirect("booking:book")


def book_for(request: HttpRequest) -> HttpResponse:
    """Staff: find the patient (name, email, date of birth) to book for them by phone."""
    if not staff_booking(request):
        raise PermissionDenied
    form = PatientSearchForm(request.GET or None)
    results = None
    if form.is_bound and form.is_valid():
        results = selectors.patient_search(
            user=request.user, query=form.cleaned_data["q"], date_of_birth=form.cleaned_data["dob"]
        )
    if request.method == "POST":
        try:
            patient_pk = int(request.POST.get("patient") or 0)
        except ValueError:
            raise Http404("No such patient.") from None
        patient = selectors.patient_get_for_booking(user=request.user, pk=patient_pk)
        Wizard(request).reset(patient_id=patient.pk)
        return redirect("booking:book")
    return render(request, "booking/wizard/book_for.html", {"form": form, "results": results})

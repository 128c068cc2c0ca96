"""The booking wizard's state (kept in the session) and what a step's view needs.

Nothing the browser posts is trusted at the end: the confirm step re-derives the scan, the slot,
the plan and the quote from this state and the database, and the booking service
(`services.appointment_book_from_wizard`) re-checks the slot under lock. Other apps add steps with
`steps.register_step` and write their step's view with `wizard_view`, `load_step` and
`step_context` (referrals adds the letter upload): this module is the wizard's public face.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse

from portal.accounts.permissions import can
from portal.booking import selectors
from portal.booking.steps import Step, steps_for
from portal.catalogue.models import ScanType
from portal.catalogue.selectors import scan_type_get_bookable, scan_type_list_bookable
from portal.core.clock import parse_aware

SESSION_KEY = "booking_wizard"


class Wizard:
    """Read and write the wizard's state in the session."""

    def __init__(self, request):
        self.request = request
        self.state: dict[str, Any] = dict(request.session.get(SESSION_KEY) or {})

    def save(self) -> None:
        self.request.session[SESSION_KEY] = self.state
        self.request.session.modified = True

    def update(self, **values) -> None:
        self.state.update(values)
        self.save()

    def drop(self, *keys: str) -> None:
        for key in keys:
            self.state.pop(key, None)
        self.save()

    def reset(self, **keep) -> None:
        self.state = dict(keep)
        self.save()

    def first_missing(self, scan, *, before: str | None = None) -> Step | None:
        """The first step not done yet (optionally only among those ordered before `before`)."""
        for step in steps_for(scan):
            if before is not None and step.key == before:
                return None
            if not step.done(self.state):
                return step
        return None

    def redirect_url(self, step: Step) -> str:
        return reverse(step.url_name)

    def progress(self, scan, current: str) -> list[dict[str, Any]]:
        items, passed = [], True
        for step in steps_for(scan):
            is_current = step.key == current
            if is_current:
                passed = False
            items.append({"label": step.label, "url": reverse(step.url_name), "current": is_current,
                          "done": passed and step.done(self.state)})
        return items


# --- What a step's view needs (booking's steps and the ones other apps register) --------------


class WizardRedirect(Exception):
    """Raised inside a step's view to send the user to another step (see `wizard_view`)."""

    def __init__(self, url: str):
        self.url = url


def staff_booking(request: HttpRequest) -> bool:
    """Is the signed-in user staff booking for a patient (by phone)?"""
    return can(request.user, "booking.book_for_patient")


def patient_for(request: HttpRequest, wizard: Wizard):
    """Whom this booking is for: the signed-in patient, or the patient staff picked."""
    patient_id = wizard.state.get("patient_id")
    if staff_booking(request):
        if not patient_id:
            raise WizardRedirect(reverse("booking:book_for"))
        return selectors.patient_get_for_booking(user=request.user, pk=patient_id)
    if can(request.user, "booking.book"):
        return request.user
    raise PermissionDenied


def scans_for(request: HttpRequest):
    """The scans this user may book: staff see every live one, patients the bookable ones."""
    if staff_booking(request):
        return ScanType.objects.live().order_by("modality", "name")
    return scan_type_list_bookable()


def scan_for(request: HttpRequest, code: str | None):
    """The scan named `code` if this user may book it; Http404 otherwise."""
    if not code:
        raise Http404("No scan chosen.")
    if staff_booking(request):
        scan = ScanType.objects.live().filter(code=code).first()
        if scan is None:
            raise Http404("No such scan.")
        return scan
    return scan_type_get_bookable(code=code)


def step_context(request: HttpRequest, wizard: Wizard, patient, scan, step: str, **extra) -> dict[str, Any]:
    """The template context every step's page shares (progress, patient, the chosen start)."""
    return {
        "wizard": wizard.state,
        "patient": patient,
        "scan": scan,
        "step": step,
        "start": parse_aware(wizard.state.get("start")),
        "progress": wizard.progress(scan, step),
        "booking_for_other": patient.pk != request.user.pk,
        **extra,
    }


def load_step(request: HttpRequest, step: str):
    """(wizard, patient, scan) for `step`; WizardRedirect to the first earlier step not done yet."""
    wizard = Wizard(request)
    patient = patient_for(request, wizard)
    try:
        scan = scan_for(request, wizard.state.get("scan"))
    except Http404:
        wizard.drop("scan")
        raise WizardRedirect(reverse("booking:book")) from None
    missing = wizard.first_missing(scan, before=step)
    if missing is not None:
        raise WizardRedirect(wizard.redirect_url(missing))
    return wizard, patient, scan


def wizard_view(step: str):
    """Decorate a step's view `view(request, step, ...)`: a WizardRedirect becomes a redirect
    (an HX-Redirect for htmx)."""

    def decorate(view):
        def wrapped(request: HttpRequest, *args, **kwargs) -> HttpResponse:
            try:
                return view(request, step, *args, **kwargs)
            except WizardRedirect as jump:
                if request.htmx:
                    response = HttpResponse(status=204)
                    response["HX-Redirect"] = jump.url
                    return response
                return redirect(jump.url)

        wrapped.__name__ = view.__name__
        wrapped.__doc__ = view.__doc__
        return wrapped

    return decorate

"""The printable estimate: the scan, the time and the quote, on the practice letterhead, as a PDF.

Two sources, one document: a booked appointment's stored quote (what the appointment page shows) and
the wizard's quote at the confirm step (what that step shows). `estimate_from_*` are pure; the PDF
goes through core's locked-down WeasyPrint (nothing fetched).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.template.loader import render_to_string
from django.utils import timezone

from portal.core.pdf import pdf_from_html

STYLESHEET = Path(__file__).with_name("estimate.css")


@dataclass(frozen=True)
class Estimate:
    reference: str
    patient_name: str
    scan_name: str
    modality: str
    duration_minutes: int
    start: dt.datetime
    plan_name: str  # empty for self-pay
    member_number: str
    total: Decimal
    covered: Decimal
    shortfall: Decimal
    co_payment: Decimal
    patient_pays: Decimal
    preparation: str  # rich text (HTML) from the catalogue
    issued_at: dt.datetime
    valid_until: dt.date
    booked: bool


def _valid_until(start: dt.datetime, issued_at: dt.datetime, *, booked: bool) -> dt.date:
    """A booked appointment's price is fixed until its day; an unbooked quote holds for
    ESTIMATE_VALID_DAYS at most, and never past the chosen day."""
    day = timezone.localtime(start).date()
    if booked:
        return day
    return min(day, timezone.localtime(issued_at).date() + dt.timedelta(days=settings.ESTIMATE_VALID_DAYS))


def estimate_from_appointment(appointment, *, issued_at: dt.datetime) -> Estimate:
    """The stored quote of a booked appointment (never recomputed from the catalogue)."""
    patient = appointment.patient
    return Estimate(
        reference=f"APT-{appointment.pk}",
        patient_name=patient.get_full_name() or patient.email,
        scan_name=appointment.scan_type.name,
        modality=appointment.scan_type.get_modality_display(),
        duration_minutes=int((appointment.end - appointment.start).total_seconds() // 60),
        start=appointment.start,
        plan_name=str(appointment.plan) if appointment.plan_id else "",
        member_number=appointment.member_number if appointment.plan_id else "",
        total=appointment.price,
        covered=appointment.covered_amount,
        shortfall=appointment.patient_amount - appointment.co_payment,
        co_payment=appointment.co_payment,
        patient_pays=appointment.patient_amount,
        preparation=appointment.scan_type.preparation,
        issued_at=issued_at,
        valid_until=_valid_until(appointment.start, issued_at, booked=True),
        booked=True,
    )


def estimate_from_quote(*, patient, scan_type, start: dt.datetime, plan, member_number: str, quote,
                        issued_at: dt.datetime) -> Estimate:
    """The confirm step's quote (the same one the step shows) for a slot not booked yet."""
    return Estimate(
        reference="",
        patient_name=patient.get_full_name() or patient.email,
        scan_name=scan_type.name,
        modality=scan_type.get_modality_display(),
        duration_minutes=scan_type.duration_minutes,
        start=start,
        plan_name=str(plan) if plan is not None else "",
        member_number=member_number if plan is not None else "",
        total=quote.total,
        covered=quote.covered,
        shortfall=quote.shortfall,
        co_payment=quote.co_payment,
        patient_pays=quote.patient_pays,
        preparation=scan_type.preparation,
        issued_at=issued_at,
        valid_until=_valid_until(start, issued_at, booked=False),
        booked=False,
    )


def estimate_pdf(estimate: Estimate, *, request: HttpRequest) -> bytes:
    from portal.core.practice import practice_details

    html = render_to_string("booking/pdf/estimate.html", {"estimate": estimate, "practice": practice_details()},
                            request=request)
    return pdf_from_html(html, stylesheet=STYLESHEET)


def estimate_filename(estimate: Estimate) -> str:
    stamp = timezone.localtime(estimate.start).strftime("%Y-%m-%d")
    return f"estimate-{estimate.reference or 'quote'}-{stamp}.pdf".lower()


def estimate_response(estimate: Estimate, *, request: HttpRequest) -> HttpResponse:
    """The estimate as a PDF download, never cached (it names the patient)."""
    response = HttpResponse(estimate_pdf(estimate, request=request), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{estimate_filename(estimate)}"'
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response

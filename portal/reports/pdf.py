"""Rendering a signed report to PDF with WeasyPrint.

The letterhead is the practice's details (`portal.core.practice.practice_details()`), passed into
the template as `practice`; no request is needed. Nothing is fetched while rendering: no network,
no files (the fetcher refuses all).
"""

from __future__ import annotations

import threading
from pathlib import Path

from django.template.loader import render_to_string
from django.utils import timezone
from weasyprint import CSS, HTML
from weasyprint.text.fonts import FontConfiguration

from portal.core.pdf import NoFetch as _NoFetch
from portal.core.practice import practice_details

BLANK_A4 = "<!DOCTYPE html><html><head><style>@page { size: A4; }</style></head><body></body></html>"


STYLESHEET = Path(__file__).with_name("report.css")
_per_thread = threading.local()


def _weasyprint_setup() -> tuple[FontConfiguration, CSS]:
    """The font configuration (Pango's font map) and the parsed stylesheet, made once per thread.

    A new FontConfiguration per document makes Pango load the fonts again, and the stylesheet was
    parsed on every render: together a third of a report's render time. Pango's font map is not
    thread-safe, hence one per thread rather than one per process.
    """
    if not hasattr(_per_thread, "stylesheet"):
        font_config = FontConfiguration()
        _per_thread.font_config = font_config
        _per_thread.stylesheet = CSS(filename=str(STYLESHEET), font_config=font_config, url_fetcher=_NoFetch())
    return _per_thread.font_config, _per_thread.stylesheet


def report_context(report) -> dict:
    from portal.referrals.models import Referral
    from portal.referrals.names import doctor_display_name

    appointment = report.appointment
    doctors = []
    for r in Referral.objects.filter(appointment_id=appointment.pk).select_related("referring_doctor__user"):
        name = doctor_display_name(r.referring_doctor.user.get_full_name() if r.referring_doctor_id else r.doctor_name)
        if name and name not in doctors:
            doctors.append(name)
    return {
        "report": report,
        "appointment": appointment,
        "patient": appointment.patient,
        "scan_type": appointment.scan_type,
        "referring_doctors": doctors,
        "printed_at": timezone.now(),
        "practice": practice_details(),
    }


def render_report_html(report) -> str:
    return render_to_string("reports/pdf/report.html", report_context(report))


def render_report_pdf(report) -> bytes:
    return html_to_pdf(render_report_html(report))


def html_to_pdf(html: str) -> bytes:
    """A report's HTML, laid out with report.css, as PDF bytes (no database access: safe in any thread)."""
    font_config, stylesheet = _weasyprint_setup()
    return HTML(string=html, url_fetcher=_NoFetch()).write_pdf(stylesheets=[stylesheet], font_config=font_config)


def render_blank_pdf() -> bytes:
    """A blank A4 page, the yardstick the benchmark compares a report's render time with."""
    return HTML(string=BLANK_A4, url_fetcher=_NoFetch()).write_pdf()

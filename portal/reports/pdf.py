"""Rendering a signed report to PDF with WeasyPrint.

The letterhead comes from the site settings (the template reads `settings.cms.PracticeSettings`
through Wagtail's context processor, so it is rendered with a request); this module does not
import cms. Nothing is fetched while rendering: no network, no files (the fetcher refuses all).
"""

from __future__ import annotations

from django.http import HttpRequest
from django.template.loader import render_to_string
from django.test import RequestFactory
from django.utils import timezone
from weasyprint import HTML
from weasyprint.urls import URLFetcher

BLANK_A4 = "<!DOCTYPE html><html><head><style>@page { size: A4; }</style></head><body></body></html>"


class _NoFetch(URLFetcher):
    """Refuse every external resource: a report renders from its HTML and CSS alone."""

    def fetch(self, url, headers=None):
        raise ValueError("External resources are not fetched when rendering reports.")


def _request_for_rendering(request: HttpRequest | None) -> HttpRequest:
    # Wagtail finds the site (for the practice settings) from the request; without one, a bare
    # request falls back to the default site.
    return request if request is not None else RequestFactory().get("/")


def report_context(report) -> dict:
    from portal.referrals.models import Referral

    appointment = report.appointment
    doctors = [
        r.referring_doctor.user.get_full_name() if r.referring_doctor_id else r.doctor_name
        for r in Referral.objects.filter(appointment_id=appointment.pk).select_related("referring_doctor__user")
    ]
    return {
        "report": report,
        "appointment": appointment,
        "patient": appointment.patient,
        "scan_type": appointment.scan_type,
        "referring_doctors": [d for d in doctors if d],
        "printed_at": timezone.now(),
    }


def render_report_html(report, *, request: HttpRequest | None = None) -> str:
    return render_to_string("reports/pdf/report.html", report_context(report), request=_request_for_rendering(request))


def render_report_pdf(report, *, request: HttpRequest | None = None) -> bytes:
    html = render_report_html(report, request=request)
    return HTML(string=html, url_fetcher=_NoFetch()).write_pdf()


def render_blank_pdf() -> bytes:
    """A blank A4 page, the yardstick the benchmark compares a report's render time with."""
    return HTML(string=BLANK_A4, url_fetcher=_NoFetch()).write_pdf()

"""The reports router: the patient's released reports, one report, its PDF. Every opening is
recorded in the report's access log "via the app"."""

from __future__ import annotations

import datetime as dt

from django.http import HttpRequest, HttpResponse
from ninja import Router, Schema
from ninja.pagination import paginate

from portal.accounts.api import session_token
from portal.core.api import Page, Problem, ProblemOut, local, path_id
from portal.reports import selectors, services
from portal.reports.models import Report, ReportAccess

router = Router(tags=["reports"], auth=session_token)
VIA = ReportAccess.Via.API


class ReportSummaryOut(Schema):
    id: int
    appointment_id: int
    scan_name: str
    scan_date: dt.datetime
    version: int
    status: str
    signed_at: dt.datetime | None
    radiologist: str

    @staticmethod
    def resolve_scan_name(r: Report) -> str:
        return r.appointment.scan_type.name

    @staticmethod
    def resolve_scan_date(r: Report) -> dt.datetime:
        return local(r.appointment.start)

    @staticmethod
    def resolve_signed_at(r: Report) -> dt.datetime | None:
        return local(r.signed_at)

    @staticmethod
    def resolve_radiologist(r: Report) -> str:
        return r.radiologist.get_full_name() if r.radiologist else ""


class ReportOut(ReportSummaryOut):
    findings: str
    impression: str
    recommendations: str
    amendment_reason: str
    has_pdf: bool

    @staticmethod
    def resolve_has_pdf(r: Report) -> bool:
        return bool(r.pdf)


@router.get("/reports", response=list[ReportSummaryOut], summary="Your released reports, newest first")
@paginate(Page)
def report_list(request: HttpRequest):
    return selectors.reports_for_patient(user=request.auth)


def _readable(request: HttpRequest, report_id: int) -> Report:
    try:
        return selectors.report_for_reading(user=request.auth, pk=report_id)
    except selectors.ReportRefused as refused:
        services.report_record_access(report=refused.report, user=request.auth, action=ReportAccess.Action.DENIED,
                                      request=request, via=VIA)
        raise


@router.get("/reports/{report_id}", response={200: ReportOut, 401: ProblemOut, 404: ProblemOut},
            summary="One report (recorded in its access log)")
def report_detail(request: HttpRequest, report_id: int = path_id()):
    report = _readable(request, report_id)
    services.report_record_access(report=report, user=request.auth, action=ReportAccess.Action.VIEW,
                                  request=request, via=VIA)
    return report


@router.get("/reports/{report_id}/pdf", response={200: None, 401: ProblemOut, 404: ProblemOut, 409: ProblemOut},
            summary="The signed PDF (recorded in its access log)",
            openapi_extra={"responses": {200: {"description": "The report as PDF",
                                                 "content": {"application/pdf": {"schema": {"type": "string",
                                                                                            "format": "binary"}}}}}})
def report_pdf(request: HttpRequest, report_id: int = path_id()):
    report = _readable(request, report_id)
    data = services.report_pdf_bytes_verified(report)
    if data is None:
        raise Problem(409, "The report's PDF is not available right now. Please contact the practice.")
    services.report_record_access(report=report, user=request.auth, action=ReportAccess.Action.DOWNLOAD,
                                  request=request, via=VIA)
    response = HttpResponse(data, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="report-{report.appointment_id}-v{report.version}.pdf"'
    response["Cache-Control"] = "private, no-store"
    return response

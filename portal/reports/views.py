from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from portal.accounts.permissions import can, is_patient
from portal.booking.models import Appointment
from portal.imaging import panels as imaging_panels
from portal.imaging import selectors as imaging_selectors
from portal.reports import selectors, services
from portal.reports.forms import AmendForm, ReportForm, ReportUploadForm
from portal.reports.models import Report, ReportAccess

WORKLIST_PAGE_SIZE = 50


def _error_text(exc: ValidationError) -> str:
    return " ".join(exc.messages)


def worklist(request: HttpRequest) -> HttpResponse:
    page = Paginator(selectors.worklist(user=request.user), WORKLIST_PAGE_SIZE).get_page(request.GET.get("page"))
    rows = [{"appointment": a, "flags": selectors.screening_flags(a)} for a in page.object_list]
    return render(request, "reports/worklist.html", {"page": page, "rows": rows})


@require_POST
def start(request: HttpRequest, appointment_id: int) -> HttpResponse:
    if not can(request.user, "reports.write"):
        raise PermissionDenied
    appointment = get_object_or_404(Appointment, pk=appointment_id)
    try:
        report = services.report_start(appointment=appointment, radiologist=request.user)
    except ValidationError as exc:
        messages.error(request, _error_text(exc))
        return redirect("reports:worklist")
    return redirect("reports:edit", pk=report.pk)


def edit(request: HttpRequest, pk: int) -> HttpResponse:
    report = selectors.report_for_writing(user=request.user, pk=pk)
    if report.status != Report.Status.DRAFT:
        messages.error(request, services.LOCKED_MESSAGE)
        return redirect("reports:view", pk=report.pk)
    if request.method == "POST":
        form = ReportForm(request.POST)
        if form.is_valid():
            try:
                report = services.report_save_draft(report=report, radiologist=request.user, **form.cleaned_data)
                if request.POST.get("action") == "sign":
                    report = services.report_sign(report=report, radiologist=request.user)
                    messages.success(request, f"Report signed (version {report.version}). Its content is now locked.")
                    return redirect("reports:view", pk=report.pk)
            except ValidationError as exc:
                messages.error(request, _error_text(exc))
                return redirect("reports:edit", pk=report.pk)
            messages.success(request, "Draft saved.")
            return redirect("reports:edit", pk=report.pk)
    else:
        form = ReportForm(initial={
            "findings": report.findings, "impression": report.impression,
            "recommendations": report.recommendations, "critical_finding": report.critical_finding,
        })
    appointment = report.appointment
    return render(request, "reports/edit.html", {
        "report": report, "form": form, "appointment": appointment,
        "flags": selectors.screening_flags(appointment),
        "versions": selectors.report_versions(user=request.user, report=report),
        "can_upload": can(request.user, "reports.upload_pdf"),
        # Imaging (issue 14): the study beside the report, and the priors.
        "imaging": imaging_panels.editor_images(request.user, appointment),
        "prior_reports": selectors.prior_reports(user=request.user, appointment=appointment),
    })


def amend(request: HttpRequest, pk: int) -> HttpResponse:
    report = selectors.report_for_writing(user=request.user, pk=pk)
    if request.method == "POST":
        form = AmendForm(request.POST)
        if form.is_valid():
            try:
                amendment = services.report_amend(report=report, radiologist=request.user,
                                                  reason=form.cleaned_data["reason"])
            except ValidationError as exc:
                messages.error(request, _error_text(exc))
                return redirect("reports:view", pk=report.pk)
            messages.success(request, f"Amendment started as version {amendment.version}. Sign it to replace "
                                      f"version {report.version}, which is kept.")
            return redirect("reports:edit", pk=amendment.pk)
    else:
        form = AmendForm()
    return render(request, "reports/amend.html", {"report": report, "form": form})


def upload(request: HttpRequest, pk: int) -> HttpResponse:
    report = selectors.report_for_upload(user=request.user, pk=pk)
    if report.status != Report.Status.DRAFT:
        messages.error(request, services.LOCKED_MESSAGE)
        return redirect("reports:view", pk=report.pk)
    if request.method == "POST":
        form = ReportUploadForm(request.POST, request.FILES)
        if form.is_valid():
            try:
                report = services.report_upload_pdf(report=report, uploaded_by=request.user,
                                                    uploaded_file=form.cleaned_data["file"])
            except ValidationError as exc:
                form.add_error("file", _error_text(exc))
            else:
                messages.success(request, f"The PDF was stored as version {report.version} of the report.")
                return redirect("reports:view", pk=report.pk)
    else:
        form = ReportUploadForm()
    return render(request, "reports/upload.html", {"report": report, "form": form})


def _readable(request: HttpRequest, pk: int) -> Report:
    try:
        return selectors.report_for_reading(user=request.user, pk=pk)
    except selectors.ReportRefused as refused:
        services.report_record_access(report=refused.report, user=request.user,
                                      action=ReportAccess.Action.DENIED, request=request)
        raise Http404("No report found.") from None


@never_cache
def view(request: HttpRequest, pk: int) -> HttpResponse:
    report = _readable(request, pk)
    services.report_record_access(report=report, user=request.user, action=ReportAccess.Action.VIEW, request=request)
    show_log = can(request.user, "reports.see_access_log", report)
    versions = selectors.report_versions(user=request.user, report=report)
    newer = [v for v in versions if v.version > report.version and v.is_final]
    return render(request, "reports/view.html", {
        "report": report,
        "appointment": report.appointment,
        "versions": versions,
        "newer": newer[-1] if newer else None,
        "access_log": selectors.report_access_log(user=request.user, report=report)[:200] if show_log else None,
        "can_amend": can(request.user, "reports.write") and report.status == Report.Status.SIGNED,
        "can_share": can(request.user, "reports.share", report),
        "is_patient_view": report.appointment.patient_id == request.user.pk,
        "feedback_given": hasattr(report.appointment, "feedback") if is_patient(request.user) else None,
        # Imaging (issue 14): the images, and their openings in "Who opened my report".
        "report_images": imaging_panels.appointment_images(request.user, report.appointment),
        "image_access_log": imaging_selectors.image_access_log(user=request.user, appointment=report.appointment)[:200]
        if show_log and imaging_selectors.may_see_access_log(request.user, report.appointment) else None,
    })


@never_cache
def download(request: HttpRequest, pk: int) -> HttpResponse:
    report = _readable(request, pk)
    data = services.report_pdf_bytes_verified(report)
    if data is None:
        return render(request, "reports/integrity_error.html", {"report": report}, status=409)
    services.report_record_access(report=report, user=request.user, action=ReportAccess.Action.DOWNLOAD,
                                  request=request)
    response = HttpResponse(data, content_type="application/pdf")
    response["Content-Disposition"] = (
        f'attachment; filename="radiology-report-{report.appointment_id}-v{report.version}.pdf"'
    )
    response["Cache-Control"] = "private, no-store"
    return response


def mine(request: HttpRequest) -> HttpResponse:
    if not is_patient(request.user):
        raise PermissionDenied
    return render(request, "reports/mine.html", {"reports": selectors.reports_for_patient(user=request.user)})

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
from portal.reports import critical as services_critical
from portal.reports import selectors, services
from portal.reports.forms import AmendForm, ReportForm, ReportUploadForm, StartReportForm
from portal.reports.models import Report, ReportAccess
from portal.reports.openings import openings

WORKLIST_PAGE_SIZE = 50


def _error_text(exc: ValidationError) -> str:
    return " ".join(exc.messages)


def worklist(request: HttpRequest) -> HttpResponse:
    page = Paginator(selectors.worklist(user=request.user), WORKLIST_PAGE_SIZE).get_page(request.GET.get("page"))
    rows = [{"appointment": a, "flags": selectors.screening_flags(a)} for a in page.object_list]
    return render(request, "reports/worklist.html", {"page": page, "rows": rows})


def start(request: HttpRequest, appointment_id: int) -> HttpResponse:
    """Start a report: choose among the scan type's templates (the default preselected) or a blank one.
    A POST without a choice (the worklist's button when the scan type has no template) takes the default."""
    if not can(request.user, "reports.write"):
        raise PermissionDenied
    appointment = get_object_or_404(Appointment.objects.select_related("patient", "scan_type", "room"),
                                    pk=appointment_id)
    draft = appointment.reports.filter(status=Report.Status.DRAFT).order_by("-version").first()
    if draft is not None:
        return redirect("reports:edit", pk=draft.pk)
    templates = selectors.report_templates_for(user=request.user, appointment=appointment)
    form = StartReportForm(request.POST or None, templates=templates)
    if request.method == "POST":
        if "template" not in request.POST:
            kwargs: dict | None = {}
        elif form.is_valid():
            kwargs = form.start_kwargs()
        else:
            kwargs = None
        if kwargs is not None:
            try:
                report = services.report_start(appointment=appointment, radiologist=request.user, **kwargs)
            except ValidationError as exc:
                messages.error(request, _error_text(exc))
                return redirect("reports:worklist")
            return redirect("reports:edit", pk=report.pk)
    return render(request, "reports/start.html", {"appointment": appointment, "form": form,
                                                  "templates": templates})


def _draft_form_context(report: Report) -> dict:
    return {"findings": report.findings, "impression": report.impression,
            "recommendations": report.recommendations, "critical_finding": report.critical_finding}


def edit(request: HttpRequest, pk: int) -> HttpResponse:
    report = selectors.report_for_writing(user=request.user, pk=pk)
    if report.status != Report.Status.DRAFT:
        messages.error(request, services.LOCKED_MESSAGE)
        return redirect("reports:view", pk=report.pk)
    appointment = report.appointment
    prior = None
    if request.GET.get("prior"):
        if not request.GET["prior"].isdigit():
            raise Http404("No prior report found.")
        prior = selectors.prior_report_get(user=request.user, appointment=appointment, pk=int(request.GET["prior"]))
    if request.method == "POST":
        form = ReportForm(request.POST)
        if form.is_valid():
            action = request.POST.get("action")
            try:
                report = services.report_save_draft(report=report, radiologist=request.user, **form.cleaned_data)
                if action == "sign_confirmed":  # confirmed in the page's dialog
                    report = services.report_sign(report=report, radiologist=request.user)
                    messages.success(request, f"Report signed (version {report.version}). Its content is now locked.")
                    return redirect("reports:view", pk=report.pk)
            except ValidationError as exc:
                messages.error(request, _error_text(exc))
                return redirect("reports:edit", pk=report.pk)
            if action == "sign":  # without the dialog (no JavaScript): the confirmation page
                if problem := services.report_sign_problem(report):
                    messages.error(request, problem)
                    return redirect("reports:edit", pk=report.pk)
                return redirect("reports:sign", pk=report.pk)
            messages.success(request, "Draft saved.")
            return redirect(request.get_full_path())
    else:
        form = ReportForm(initial=_draft_form_context(report))
    return render(request, "reports/edit.html", {
        "report": report, "form": form, "appointment": appointment,
        "flags": selectors.screening_flags(appointment),
        "versions": selectors.report_versions(user=request.user, report=report),
        "can_upload": can(request.user, "reports.upload_pdf"),
        # Imaging (issue 14): the study beside the report, and the priors.
        "imaging": imaging_panels.editor_images(request.user, appointment),
        "prior_reports": selectors.prior_reports(user=request.user, appointment=appointment),
        "prior": prior,
        "pick_lists": selectors.pick_lists_for(appointment=appointment),
    })


def sign(request: HttpRequest, pk: int) -> HttpResponse:
    """Confirm the signature on a page of its own (the editor's dialog does the same with JavaScript)."""
    report = selectors.report_for_writing(user=request.user, pk=pk)
    if report.status != Report.Status.DRAFT:
        messages.error(request, services.LOCKED_MESSAGE)
        return redirect("reports:view", pk=report.pk)
    if request.method == "POST":
        try:
            report = services.report_sign(report=report, radiologist=request.user)
        except ValidationError as exc:
            messages.error(request, _error_text(exc))
            return redirect("reports:edit", pk=report.pk)
        messages.success(request, f"Report signed (version {report.version}). Its content is now locked.")
        return redirect("reports:view", pk=report.pk)
    return render(request, "reports/sign.html", {"report": report, "appointment": report.appointment})


@require_POST
def critical_acknowledge(request: HttpRequest, pk: int) -> HttpResponse:
    """The referring doctor has seen the critical finding (anyone else: 404)."""
    notice = selectors.critical_notice_for_doctor(user=request.user, report_pk=pk)
    try:
        services_critical.critical_notice_acknowledge(notice=notice, doctor=request.user)
    except ValidationError as exc:
        messages.info(request, _error_text(exc))
    else:
        messages.success(request, "Thank you: your acknowledgement of the critical finding is recorded.")
    return redirect("reports:view", pk=pk)


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


def _readable(request: HttpRequest, pk: int, *, read=selectors.report_for_reading):
    try:
        return read(user=request.user, pk=pk)
    except selectors.ReportRefused as refused:
        services.report_record_access(report=refused.report, user=request.user,
                                      action=ReportAccess.Action.DENIED, request=request)
        raise Http404("No report found.") from None


# "Who opened my report": the latest openings, and every one of them on request (?log=all).
ACCESS_LOG_LATEST = 20
ACCESS_LOG_ALL = 2000


def _latest(log, limit: int, **owner) -> tuple[list, bool]:
    """The newest `limit` rows of `log` (an access-log selector), and whether there were more."""
    rows = list(log(limit=limit + 1, **owner))
    return rows[:limit], len(rows) > limit


@never_cache
def view(request: HttpRequest, pk: int) -> HttpResponse:
    report, versions, version_ids = _readable(request, pk, read=selectors.report_with_versions)
    services.report_record_access(report=report, user=request.user, action=ReportAccess.Action.VIEW, request=request)
    show_log = can(request.user, "reports.see_access_log", report)
    limit = ACCESS_LOG_ALL if request.GET.get("log") == "all" else ACCESS_LOG_LATEST
    access_log = None
    more_report = more_images = False
    appointment = report.appointment
    patient_view = appointment.patient_id == request.user.pk
    # The appointment's studies, read once: for the images panel and for whose openings the log shows.
    studies = imaging_selectors.appointment_studies(appointment)
    if show_log:
        report_rows, more_report = _latest(selectors.report_access_log, limit, user=request.user, report=report,
                                           version_ids=version_ids)
        image_rows = None
        if imaging_selectors.may_see_access_log(request.user, appointment):
            image_rows, more_images = _latest(imaging_selectors.image_access_log, limit, user=request.user,
                                              appointment=appointment, study_ids=[s.pk for s in studies])
        report_openings, image_openings = openings(
            report_rows=report_rows, image_rows=image_rows, viewer_id=request.user.pk,
            patient_id=appointment.patient_id, patient_name=appointment.patient.get_full_name(),
            patient_view=patient_view)
        access_log = report_openings + image_openings  # the report's, then its images'
    newer = [v for v in versions if v.version > report.version and v.is_final]
    return render(request, "reports/view.html", {
        "report": report,
        "appointment": appointment,
        "versions": versions,
        "newer": newer[-1] if newer else None,
        "access_log": access_log,
        "access_log_more": (more_report or more_images) and limit == ACCESS_LOG_LATEST,
        "access_log_limit": limit,
        "can_amend": can(request.user, "reports.write") and report.status == Report.Status.SIGNED,
        "can_share": can(request.user, "reports.share", report),
        "critical": selectors.critical_notice_for_view(user=request.user, report=report),
        "is_patient_view": patient_view,
        "feedback_given": hasattr(report.appointment, "feedback") if is_patient(request.user) else None,
        # Imaging (issue 14): the images, and their openings in "Who opened my report".
        "report_images": imaging_panels.appointment_images(request.user, appointment, studies=studies),
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

"""Writes of reports: start a draft, save it, sign it (PDF), amend it, upload a PDF made
elsewhere, release it to the patient, and record every opening."""

from __future__ import annotations

import datetime as dt
import hashlib
import logging

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import Max
from django.http import HttpRequest
from django.utils import timezone

from portal.accounts.models import User
from portal.accounts.permissions import can
from portal.booking.models import Appointment
from portal.core import signals
from portal.core.clientip import client_ip
from portal.core.files import StorageFull, private_files_removed_on_failure
from portal.core.uploads import check_upload
from portal.reports.critical import critical_notice_open
from portal.reports.models import Report, ReportAccess, ReportTemplate
from portal.reports.pdf import render_report_pdf

logger = logging.getLogger(__name__)

LOCKED_MESSAGE = "This report is signed and its content is locked. Make an amendment instead."
SIGN_STORAGE_FULL = ("We could not store the report PDF: the server's storage is full. The report was not signed "
                     "(the draft is kept as it was saved); please try again later.")
STORAGE_FULL_UPLOAD = ("We could not store your file: the server's storage is full. Nothing was saved and the "
                       "report is still a draft; please try again later.")


def _locked(report: Report) -> Report:
    return Report.objects.select_for_update().select_related("appointment").get(pk=report.pk)


def release_delay() -> dt.timedelta:
    return dt.timedelta(hours=max(0, int(getattr(settings, "REPORTS_PATIENT_RELEASE_DELAY_HOURS", 0))))


def _require(user: User, action: str, obj=None) -> None:
    if not can(user, action, obj):
        raise PermissionDenied("You may not do this with reports.")


@transaction.atomic
def report_start(*, appointment: Appointment, radiologist: User, template_id: int | None = None,
                 blank: bool = False) -> Report:
    """The draft of a completed scan's report (the open draft if one exists).

    A new draft starts from a report template of the scan type: the chosen one, else the default
    (`blank`: none). The text is copied: a later edit of the template changes no report.
    """
    _require(radiologist, "reports.write")
    appointment = Appointment.objects.select_for_update().get(pk=appointment.pk)
    if appointment.status != Appointment.Status.COMPLETED:
        raise ValidationError("A report can be written only once the scan is completed.")
    existing = Report.objects.filter(appointment=appointment).order_by("-version").first()
    if existing is not None:
        if existing.status == Report.Status.DRAFT:
            return existing
        raise ValidationError("This scan already has a signed report. Make an amendment to change it.")
    report = Report(appointment=appointment, version=1, radiologist=radiologist)
    templates = ReportTemplate.objects.filter(scan_type_id=appointment.scan_type_id)
    if blank:
        template = None
    elif template_id is not None:
        template = templates.filter(pk=template_id).first()
        if template is None:
            raise ValidationError("That report template is not one for this scan type.")
    else:
        template = templates.first()
    if template is not None:
        report.findings = template.findings
        report.impression = template.impression
        report.recommendations = template.recommendations
    report.full_clean()
    report.save()
    return report


@transaction.atomic
def report_save_draft(
    *, report: Report, radiologist: User, findings: str, impression: str, recommendations: str,
    critical_finding: bool,
) -> Report:
    _require(radiologist, "reports.write")
    report = _locked(report)
    if report.status != Report.Status.DRAFT:
        raise ValidationError(LOCKED_MESSAGE)
    report.findings = findings.strip()
    report.impression = impression.strip()
    report.recommendations = recommendations.strip()
    report.critical_finding = critical_finding
    report.radiologist = radiologist
    report.full_clean()
    report.save()
    return report


def _finalise(report: Report, *, signer: User | None, pdf: bytes, uploaded: bool) -> Report:
    """Sign a locked draft: stamp, store the PDF and its SHA-256, supersede the previous version,
    and release it (now or after the patient delay)."""
    now = timezone.now()
    report.status = Report.Status.SIGNED
    report.signed_at = now
    if signer is not None:
        report.radiologist = signer
    report.released_at = now + release_delay()
    report.uploaded_pdf = uploaded
    completed_at = report.appointment.completed_at
    if report.version == 1 and completed_at is not None:
        report.turnaround_seconds = max(0, int((now - completed_at).total_seconds()))
    report.pdf_sha256 = hashlib.sha256(pdf).hexdigest()
    try:
        report.pdf.save("report.pdf", ContentFile(pdf), save=False)  # the file first, then the rows
    except StorageFull:
        raise StorageFull(SIGN_STORAGE_FULL if not uploaded else STORAGE_FULL_UPLOAD) from None
    if report.supersedes_id:
        previous = Report.objects.select_for_update().get(pk=report.supersedes_id)
        previous.status = Report.Status.AMENDED
        previous.full_clean()
        previous.save(update_fields=["status", "updated_at"])
    report.full_clean()
    report.save()
    critical_notice_open(report=report)
    signals.send_on_commit(signals.report_signed, sender=Report, report=report)
    if report.released_at <= now:
        _announce(report)
    else:
        from django_q.models import Schedule
        from django_q.tasks import schedule

        transaction.on_commit(lambda: schedule(
            "portal.reports.tasks.announce_release", report.pk,
            schedule_type=Schedule.ONCE, next_run=report.released_at, repeats=1,
        ))
    return report


def _announce(report: Report) -> None:
    report.release_announced_at = timezone.now()
    report.save(update_fields=["release_announced_at", "updated_at"])
    signals.send_on_commit(signals.report_released, sender=Report, report=report)


def report_sign_problem(report: Report) -> str | None:
    """Why this draft cannot be signed yet, or None (asked before the confirmation, and again at signing)."""
    if not report.findings.strip() or not report.impression.strip():
        return "Findings and impression are needed before the report can be signed."
    return None


@private_files_removed_on_failure
@transaction.atomic
def report_sign(*, report: Report, radiologist: User) -> Report:
    """Sign and finalise a draft: its content is locked from now on."""
    _require(radiologist, "reports.write")
    report = _locked(report)
    if report.status != Report.Status.DRAFT:
        raise ValidationError(LOCKED_MESSAGE)
    if problem := report_sign_problem(report):
        raise ValidationError(problem)
    report.radiologist = radiologist
    report.signed_at = timezone.now()  # printed on the PDF
    pdf = render_report_pdf(report)
    return _finalise(report, signer=radiologist, pdf=pdf, uploaded=False)


@transaction.atomic
def report_amend(*, report: Report, radiologist: User, reason: str) -> Report:
    """Start an amendment: a new draft version (content copied) that supersedes the signed one
    when it is signed. The old version is kept, marked amended."""
    _require(radiologist, "reports.write")
    report = _locked(report)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError("Please give the reason for the amendment.")
    if report.status != Report.Status.SIGNED:
        raise ValidationError("Only the current signed version of a report can be amended.")
    if Report.objects.filter(supersedes=report).exists():
        raise ValidationError("An amendment of this report is already in progress.")
    latest = Report.objects.filter(appointment_id=report.appointment_id).aggregate(v=Max("version"))["v"] or 0
    amendment = Report(
        appointment=report.appointment, version=latest + 1, radiologist=radiologist,
        findings=report.findings, impression=report.impression, recommendations=report.recommendations,
        critical_finding=report.critical_finding, supersedes=report, amendment_reason=reason[:2000],
    )
    amendment.full_clean()
    amendment.save()
    return amendment


@private_files_removed_on_failure
@transaction.atomic
def report_upload_pdf(*, report: Report, uploaded_by: User, uploaded_file) -> Report:
    """Finalise a draft with a PDF made elsewhere (same checks as every upload: real PDF only)."""
    _require(uploaded_by, "reports.upload_pdf")
    checked = check_upload(uploaded_file, allowed=("application/pdf",))
    report = _locked(report)
    if report.status != Report.Status.DRAFT:
        raise ValidationError(LOCKED_MESSAGE)
    if report.appointment.status != Appointment.Status.COMPLETED:
        raise ValidationError("A report can be added only once the scan is completed.")
    signer = uploaded_by if can(uploaded_by, "reports.write") else None
    checked.content.seek(0)
    return _finalise(report, signer=signer, pdf=checked.content.read(), uploaded=True)


@transaction.atomic
def report_announce_release(*, report_id: int) -> bool:
    """Send report_released once the patient may read it. Safe to run twice."""
    report = Report.objects.select_for_update().filter(pk=report_id).first()
    if report is None or report.release_announced_at is not None or report.status != Report.Status.SIGNED:
        return False
    if report.released_at is None or report.released_at > timezone.now():
        return False
    _announce(report)
    return True


def report_record_access(*, report: Report, user: User | None, action: str, request: HttpRequest,
                         via: str = ReportAccess.Via.WEB) -> ReportAccess:
    """One row per opening (or refused attempt): who, when, which version, how, IP, user agent.
    One INSERT, no transaction of its own (it was BEGIN, INSERT, COMMIT on every report page)."""
    access = ReportAccess(
        report=report,
        user=user if user is not None and user.is_authenticated else None,
        by_guardian=getattr(request, "guardian", None),
        action=action,
        via=via,
        ip_address=client_ip(request),
        user_agent=request.META.get("HTTP_USER_AGENT", "")[:300],
    )
    # The related rows are the loaded objects themselves: no query to check that they exist.
    access.full_clean(exclude=["report", "user", "by_guardian", "share"])
    access.save()
    return access


def report_pdf_bytes_verified(report: Report) -> bytes | None:
    """The stored PDF if its SHA-256 still matches; None (and an error logged, without patient
    data) when the file is missing or was changed on disk."""
    if not report.pdf or not report.pdf_sha256:
        logger.error("report pdf missing: report_id=%s version=%s", report.pk, report.version)
        return None
    try:
        with report.pdf.open("rb") as handle:
            data = handle.read()
    except OSError:
        logger.error("report pdf unreadable: report_id=%s version=%s", report.pk, report.version)
        return None
    if hashlib.sha256(data).hexdigest() != report.pdf_sha256:
        logger.error("report pdf integrity check failed: report_id=%s version=%s", report.pk, report.version)
        return None
    return data


def report_record_accesses(*, reports: list[Report], user: User | None, action: str, request: HttpRequest,
                           via: str) -> None:
    """`report_record_access` for a batch (a FHIR search that returns several reports): one INSERT."""
    rows = [
        ReportAccess(report=report, user=user if user is not None and user.is_authenticated else None, action=action,
                     via=via, ip_address=client_ip(request), user_agent=request.META.get("HTTP_USER_AGENT", "")[:300])
        for report in reports
    ]
    for row in rows:
        row.full_clean(exclude=["report", "user"])
    ReportAccess.objects.bulk_create(rows)

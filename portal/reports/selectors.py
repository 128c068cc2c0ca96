"""Reads of reports, always scoped to the user asking."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import (
    Case,
    Count,
    Exists,
    IntegerField,
    Min,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils import timezone

from portal.accounts.models import User
from portal.accounts.permissions import can
from portal.booking.models import Appointment
from portal.core.querysets import newest
from portal.reports.models import CriticalNotice, Report, ReportAccess, ReportTemplate
from portal.reports.rules import doctor_referred

FINAL = (Report.Status.SIGNED, Report.Status.AMENDED)


class ReportRefused(Http404):
    """Raised (as a 404) when a report exists but the user may not read it; carries the report so
    the refused attempt can be logged."""

    def __init__(self, report: Report):
        super().__init__("No report found.")
        self.report = report


def _report_queryset() -> QuerySet[Report]:
    return Report.objects.select_related("appointment__patient", "appointment__scan_type", "radiologist")


def worklist(*, user: User) -> QuerySet[Appointment]:
    """Completed scans waiting for a signed report, oldest first, in a constant number of queries."""
    if not can(user, "reports.worklist"):
        raise PermissionDenied
    signed = Report.objects.filter(appointment=OuterRef("pk"), status__in=FINAL)
    draft = Report.objects.filter(appointment=OuterRef("pk"), status=Report.Status.DRAFT).order_by("-version")
    templates = ReportTemplate.objects.filter(scan_type_id=OuterRef("scan_type_id"))
    return (
        Appointment.objects.filter(status=Appointment.Status.COMPLETED)
        .annotate(has_final=Exists(signed))
        .filter(has_final=False)
        .annotate(draft_id=Subquery(draft.values("pk")[:1]), has_templates=Exists(templates))
        .select_related("patient", "scan_type", "room")
        .order_by("completed_at", "pk")
    )


def screening_flags(appointment: Appointment) -> list[dict[str, Any]]:
    """What a radiologist should notice before reporting: the scan's safety checks (notes) and, as
    alerts, unreviewed safety answers and every answer given as "yes"."""
    flags = []
    if appointment.needs_review and appointment.reviewed_at is None:
        flags.append({"label": "Safety answers not reviewed", "alert": True})
    scan = appointment.scan_type
    for wanted, label in [(scan.mri_safety_screening, "MRI safety"), (scan.uses_contrast, "Contrast"),
                          (scan.pregnancy_check, "Pregnancy check")]:
        if wanted:
            flags.append({"label": label, "alert": False})
    answers = appointment.screening_answers if isinstance(appointment.screening_answers, dict) else {}
    for key, value in answers.items():
        if value is True or (isinstance(value, str) and value.strip().lower() in {"yes", "y", "true"}):
            flags.append({"label": f"Yes: {str(key).replace('_', ' ')}", "alert": True})
    return flags


def report_for_writing(*, user: User, pk: int) -> Report:
    if not can(user, "reports.write"):
        raise PermissionDenied
    return get_object_or_404(_report_queryset(), pk=pk)


def report_for_upload(*, user: User, pk: int) -> Report:
    if not can(user, "reports.upload_pdf"):
        raise PermissionDenied
    return get_object_or_404(_report_queryset(), pk=pk)


def report_for_reading(*, user: User, pk: int) -> Report:
    """A final version the user may read; ReportRefused (404) otherwise, Http404 if none exists."""
    report = _report_queryset().filter(pk=pk).first()
    if report is None:
        raise Http404("No report found.")
    if not can(user, "reports.read", report):
        raise ReportRefused(report)
    return report


# What the report page, its rules and panels read: not the scan type's publishing columns, the
# booking's money and answers, or anyone's password (a row of 111 columns cost 3.3 ms, issue 22).
_REPORT_PAGE_FIELDS = (
    *(f.name for f in Report._meta.concrete_fields if f.name not in ("pdf_sha256", "release_announced_at")),
    "appointment__patient_id", "appointment__scan_type_id", "appointment__status", "appointment__start",
    "appointment__end", "appointment__completed_at", "appointment__accession_number",
    "appointment__study_instance_uid",
    "appointment__patient__first_name", "appointment__patient__last_name", "appointment__patient__email",
    "appointment__patient__date_of_birth", "appointment__patient__sex", "appointment__patient__is_active",
    "appointment__scan_type__name", "appointment__scan_type__modality", "appointment__scan_type__body_part",
    "appointment__scan_type__code",
    "radiologist__first_name", "radiologist__last_name", "radiologist__email",
)


def report_with_versions(*, user: User, pk: int) -> tuple[Report, list[Report], list[int]]:
    """`report_for_reading` and `report_versions` in one query (the report page, issue 22), and the
    ids of all the appointment's versions, drafts too (what `report_access_log` reads by)."""
    same_appointment = Report.objects.filter(pk=pk).values("appointment_id")[:1]
    rows = list(_report_queryset().filter(appointment_id=Subquery(same_appointment))
                .select_related("appointment__feedback")  # "How was your visit?" or "Thank you"
                .only(*_REPORT_PAGE_FIELDS, "appointment__feedback__id").order_by("version"))
    report = next((r for r in rows if r.pk == pk), None)
    if report is None:
        raise Http404("No report found.")
    if not can(user, "reports.read", report):
        raise ReportRefused(report)
    return report, _readable_versions(user, rows), [r.pk for r in rows]


def _readable_versions(user: User, versions: list[Report]) -> list[Report]:
    return [v for v in versions if can(user, "reports.read", v) or (v.status == Report.Status.DRAFT
                                                                    and can(user, "reports.write"))]


def report_versions(*, user: User, report: Report) -> list[Report]:
    """Every version of this appointment's report the user may read (drafts only for writers)."""
    return _readable_versions(
        user, list(_report_queryset().filter(appointment_id=report.appointment_id).order_by("version")))


def report_access_log(*, user: User, report: Report, limit: int | None = None,
                      version_ids: list[int] | None = None) -> QuerySet:
    """Who opened this report (all its versions, drafts too), newest first, as rows of values: for the
    patient and for managers; the newest `limit` only when given. Only what the log shows: whole rows
    of five models (each user's phone number parsed) cost more than the rest of the report page
    (issue 22); `reports.openings` words them. `version_ids`: the ids of every version of the report
    (drafts too), when the caller has them (`report_with_versions`); read here otherwise."""
    if not can(user, "reports.see_access_log", report):
        raise PermissionDenied
    # By the versions' ids, not a join to them: each version's openings then come newest first from
    # the (report, at) index, with no sort (SQLite sorted every opening of the appointment's reports).
    if version_ids is None:
        version_ids = list(Report.objects.filter(appointment_id=report.appointment_id).values_list("pk", flat=True))
    return (
        newest(ReportAccess.objects.filter(report_id__in=version_ids), limit)
        .values("at", "action", "via", "ip_address", "user_id", "user__first_name", "user__last_name",
                "user__doctor_profile__id", "share_id", "share__recipient_name", "by_guardian_id",
                "by_guardian__first_name", "by_guardian__last_name", "report__version")
    )


def reports_for_patient(*, user: User) -> list[Report]:
    """The newest released final version of each of the patient's reports."""
    # The list, the dashboard panel and the API's summary show the scan, its date, the version, its
    # status and signature, and who signed: not the report's text or anyone's other details (issue 22).
    released = (
        Report.objects.filter(appointment__in=Appointment.objects.filter(patient=user).values("pk"),
                              status__in=FINAL, released_at__lte=timezone.now())
        .select_related("appointment__scan_type", "radiologist")
        .only("appointment_id", "version", "status", "signed_at", "supersedes_id", "radiologist_id",
              "appointment__start", "appointment__scan_type__name",
              "radiologist__first_name", "radiologist__last_name")
        .order_by("appointment_id", "-version")
    )
    newest: dict[int, Report] = {}
    for report in released:
        newest.setdefault(report.appointment_id, report)
    return sorted(newest.values(), key=lambda r: r.signed_at, reverse=True)


def appointment_report_for(*, user: User, appointment: Appointment) -> Report | None:
    """The newest version of this appointment's report the user may read, if any."""
    candidates = _report_queryset().filter(appointment=appointment, status__in=FINAL).order_by("-version")
    for report in candidates:
        if can(user, "reports.read", report):
            return report
    return None


def worklist_summary(user: User) -> dict[str, Any]:
    qs = worklist(user=user)
    return qs.aggregate(waiting=Count("pk"), oldest=Min("completed_at"))


def first_signatures() -> QuerySet[Report]:
    """What counts as "reported": the first signed version of each report, which carries the
    turnaround (scan completed -> signed, whole seconds). An amendment is a later version and is not
    a new turnaround. The one definition analytics and the reports pages share."""
    return Report.objects.filter(version=1, turnaround_seconds__isnull=False)


def _priors(*, user: User, appointment: Appointment) -> QuerySet[Report]:
    """The same patient's current signed reports of earlier scans (never another patient's)."""
    if not can(user, "reports.write"):
        raise PermissionDenied
    return _report_queryset().filter(
        appointment__patient_id=appointment.patient_id, status=Report.Status.SIGNED,
        appointment__start__lt=appointment.start,
    ).exclude(appointment_id=appointment.pk)


def prior_reports(*, user: User, appointment: Appointment, limit: int = 20) -> list[Report]:
    """The patient's earlier signed reports for the editor: the same body part first, then the same
    modality, then the rest; newest first within each. Each carries `match` ("body part", "modality", "")."""
    scan = appointment.scan_type
    same_part = Q(appointment__scan_type__body_part__iexact=scan.body_part) if scan.body_part else Q(pk__in=[])
    rank = Case(When(same_part, then=Value(0)), When(appointment__scan_type__modality=scan.modality, then=Value(1)),
                default=Value(2), output_field=IntegerField())
    priors = list(_priors(user=user, appointment=appointment).annotate(match_rank=rank)
                  .order_by("match_rank", "-appointment__start", "-pk")[:limit])
    for prior in priors:
        prior.match = {0: "same body part", 1: "same modality"}.get(prior.match_rank, "")
    return priors


def prior_report_get(*, user: User, appointment: Appointment, pk: int) -> Report:
    """One prior of this appointment's patient, for the side-by-side view; 404 for anything else."""
    prior = _priors(user=user, appointment=appointment).filter(pk=pk).first()
    if prior is None:
        raise Http404("No prior report found.")
    return prior


def report_templates_for(*, user: User, appointment: Appointment) -> list:
    """The scan type's report templates, the default first (for the radiologist starting a report)."""
    if not can(user, "reports.write"):
        raise PermissionDenied
    return list(ReportTemplate.objects.filter(scan_type_id=appointment.scan_type_id)
                .order_by("-is_default", "name", "pk"))


def pick_lists_for(*, appointment: Appointment) -> list[dict]:
    """The pick lists of the scan type's templates, one entry a heading (choices merged, in order)."""
    merged: dict[str, list[str]] = {}
    for template in ReportTemplate.objects.filter(scan_type_id=appointment.scan_type_id).order_by("-is_default",
                                                                                                  "name", "pk"):
        for item in template.pick_list_items:
            choices = merged.setdefault(item["heading"], [])
            choices.extend(choice for choice in item["choices"] if choice not in choices)
    return [{"heading": heading, "choices": choices} for heading, choices in merged.items()]


def critical_notice_for_doctor(*, user: User, report_pk: int):
    """The critical notice of a report for its referring doctor to acknowledge; 404 for anyone else
    (another doctor, the patient, staff)."""
    notice = CriticalNotice.objects.select_related("report__appointment").filter(report_id=report_pk).first()
    if notice is None or not doctor_referred(user, notice.report.appointment_id):
        raise Http404("No critical finding to acknowledge.")
    return notice


def critical_notice_for_view(*, user: User, report: Report) -> dict | None:
    """What the report page shows about its critical notice: the doctor may acknowledge; clinical staff
    see who was told and whether it was acknowledged or escalated; the patient sees nothing of it."""
    if not report.critical_finding:
        return None
    notice = CriticalNotice.objects.select_related("acknowledged_by").filter(report=report).first()
    if notice is None:
        return None
    if doctor_referred(user, report.appointment_id):
        return {"notice": notice, "can_acknowledge": notice.acknowledged_at is None, "staff": False}
    if user.has_perm("reports.view_report"):
        return {"notice": notice, "can_acknowledge": False, "staff": True}
    return None


def report_list_readable_by(*, user: User, everything: bool = False) -> QuerySet[Report]:
    """Current signed reports (not superseded versions) for a records export (FHIR), by the same
    rule as `reports.read`: all (`everything`, an exporter, or staff who may view reports), the
    referring doctor's (from signing), the patient's own (from release)."""
    from portal.accounts.permissions import is_verified_doctor
    from portal.referrals.models import Referral

    qs = _report_queryset().filter(status=Report.Status.SIGNED)
    if everything or user.has_perm("reports.view_report"):
        return qs
    own = Q(appointment__patient=user, released_at__lte=timezone.now())
    if is_verified_doctor(user):
        referred = Referral.objects.filter(referring_doctor__user=user, appointment__isnull=False)
        return qs.filter(own | Q(appointment_id__in=referred.values("appointment_id")))
    return qs.filter(own)


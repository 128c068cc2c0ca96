"""Who may do what with reports. Asked through portal.accounts.permissions.can()."""

from __future__ import annotations

from typing import Any

from django.utils import timezone

from portal.accounts.permissions import is_verified_doctor, rule


def doctor_referred(user: Any, appointment_id: int) -> bool:
    """Is `user` the (verified) referring doctor of a referral that led to this appointment?"""
    from portal.referrals.models import Referral

    if not is_verified_doctor(user):
        return False
    return Referral.objects.filter(appointment_id=appointment_id, referring_doctor__user=user).exists()


@rule("reports.worklist")
def _worklist(user: Any, obj: Any) -> bool:
    return user.has_perm("reports.sign_report")


@rule("reports.sign")
def _sign(user: Any, obj: Any) -> bool:
    """Sign and amend reports (the radiologists hold the permission)."""
    return user.has_perm("reports.sign_report")


@rule("reports.write")
def _write(user: Any, obj: Any) -> bool:
    return user.has_perm("reports.change_report") and user.has_perm("reports.sign_report")


@rule("reports.upload_pdf")
def _upload_pdf(user: Any, obj: Any) -> bool:
    return user.has_perm("reports.upload_report_pdf")


@rule("reports.read")
def _read(user: Any, report: Any) -> bool:
    """Final (signed or superseded) versions only: clinical staff, the referring doctor of that
    referral (from signing), and the patient (from release)."""
    if report is None or not report.is_final:
        return False
    if user.has_perm("reports.view_report"):
        return True
    if report.appointment.patient_id == user.pk:
        return report.released_at is not None and report.released_at <= timezone.now()
    return doctor_referred(user, report.appointment_id)


@rule("reports.see_access_log")
def _see_access_log(user: Any, report: Any) -> bool:
    return user.has_perm("reports.view_reportaccess") or (
        report is not None and report.appointment.patient_id == user.pk
    )


# --- Images (portal.imaging) follow the report's rules ----------------------------------------
# A linked study's images are visible to whoever may read the appointment's report: the patient
# from its release, the referring doctor of that referral from its signature (clinical staff see
# every study through the imaging.view_study permission).
from portal.imaging.rules import image_grant  # noqa: E402


@image_grant
def _images_follow_report(user: Any, appointment: Any) -> bool:
    from portal.reports.models import Report

    reports = Report.objects.filter(appointment=appointment,
                                    status__in=(Report.Status.SIGNED, Report.Status.AMENDED)).select_related(
        "appointment")
    return any(_read(user, report) for report in reports)

@rule("reports.share")
def _share(user: Any, report: Any) -> bool:
    """The patient shares their own released report (a link for another doctor)."""
    if report is None or not report.is_final:
        return False
    released = report.released_at is not None and report.released_at <= timezone.now()
    return released and report.appointment.patient_id == user.pk

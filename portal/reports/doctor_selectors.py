"""The referring doctor's reads: their referrals with whether a final report is out, one referral,
and its final report versions. Here, in reports, because they read reports; referrals never does."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db.models import Exists, OuterRef, QuerySet
from django.http import Http404

from portal.accounts.models import User
from portal.accounts.permissions import is_verified_doctor
from portal.referrals.models import Referral
from portal.reports.models import Report

FINAL = [Report.Status.SIGNED, Report.Status.AMENDED]


def doctor_referrals(*, user: User) -> QuerySet[Referral]:
    """The doctor's referrals, newest first, each annotated with has_final_report (constant queries)."""
    if not is_verified_doctor(user):
        raise PermissionDenied
    final = Report.objects.filter(appointment_id=OuterRef("appointment_id"), status__in=FINAL)
    return (
        Referral.objects.filter(referring_doctor__user=user)
        .select_related("patient", "appointment", "appointment__scan_type", "scan_type", "invitation")
        .annotate(has_final_report=Exists(final))
        .order_by("-created_at")
    )


def doctor_referral_get(*, user: User, pk: int) -> Referral:
    referral = doctor_referrals(user=user).filter(pk=pk).first()
    if referral is None:
        raise Http404("No referral found.")
    return referral


def doctor_referral_reports(*, referral: Referral) -> list[Report]:
    """The final report versions of a referral's appointment (readable by its verified doctor)."""
    if referral.appointment_id is None:
        return []
    return list(Report.objects.filter(appointment_id=referral.appointment_id, status__in=FINAL)
                .select_related("radiologist").order_by("-version"))

"""Reads of referrals, scoped to the user (someone else's referral -> 404)."""

from __future__ import annotations

from django.db.models import QuerySet
from django.http import Http404

from portal.accounts.models import User
from portal.accounts.permissions import can
from portal.booking.models import Appointment
from portal.referrals.models import Referral


def referral_get_for(*, user: User, pk: int) -> Referral:
    referral = Referral.objects.select_related("referring_doctor", "patient").filter(pk=pk).first()
    if referral is None or not can(user, "referrals.view_referral", referral):
        raise Http404("No such referral.")
    return referral


def referral_get_unattached(*, patient: User, pk: int) -> Referral | None:
    return Referral.objects.filter(pk=pk, patient=patient, appointment__isnull=True).first()


def referrals_for_appointment(*, user: User, appointment: Appointment) -> QuerySet[Referral]:
    qs = Referral.objects.filter(appointment=appointment).select_related("referring_doctor__user"
                                                                         ).order_by("-created_at")
    return qs if can(user, "booking.view_appointment", appointment) else qs.none()


def referral_list_visible_to(*, user: User, everything: bool = False) -> QuerySet[Referral]:
    """Referrals for a records export (FHIR): all of them (`everything`, for an exporter), a
    verified doctor's own referrals, or the patient's own. Only referrals that reached a patient: one
    still waiting for its invitation to be accepted has no subject yet."""
    from portal.accounts.permissions import is_verified_doctor

    qs = Referral.objects.select_related("referring_doctor__user", "patient", "scan_type").filter(patient__isnull=False)
    if everything:
        return qs
    if is_verified_doctor(user):
        return qs.filter(referring_doctor__user=user)
    return qs.filter(patient=user)

"""Reads about people, scoped to the user asking."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.shortcuts import get_object_or_404

from portal.accounts.models import ReferringDoctor, User
from portal.accounts.permissions import can


def doctor_list_pending(*, user: User) -> QuerySet[ReferringDoctor]:
    if not can(user, "accounts.approve_doctor"):
        raise PermissionDenied
    return ReferringDoctor.objects.filter(verified_at__isnull=True).select_related("user").order_by("created_at")


def doctor_get_pending(*, user: User, pk: int) -> ReferringDoctor:
    return get_object_or_404(doctor_list_pending(user=user), pk=pk)


def user_sessions_for(*, user: User) -> list:
    """The user's live sessions (browsers and app tokens), most recently used first; ended or
    expired ones are purged on the way."""
    from allauth.usersessions.models import UserSession

    return sorted(UserSession.objects.purge_and_list(user), key=lambda s: s.last_seen_at, reverse=True)


def patient_list_visible_to(*, user: User, everything: bool = False,
                            also: QuerySet | None = None) -> QuerySet[User]:
    """Patients for a records export (FHIR): every patient (`everything`), or the user themself
    (a patient) plus the ids in `also` (a referring doctor's referred patients)."""
    from django.db.models import Q

    from portal.accounts.roles import Role

    patients = User.objects.filter(groups__name=Role.PATIENT)
    if everything:
        return patients
    mine = Q(pk=user.pk)
    return patients.filter(mine | Q(pk__in=also) if also is not None else mine)


def practitioner_list() -> QuerySet[User]:
    """Radiologists and verified referring doctors (public professional details only)."""
    from django.db.models import Q

    from portal.accounts.roles import Role

    return (
        User.objects.filter(is_active=True)
        .filter(Q(groups__name=Role.RADIOLOGIST)
                | Q(groups__name=Role.REFERRING_DOCTOR, doctor_profile__verified_at__isnull=False))
        .select_related("doctor_profile")
        .distinct()
    )

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

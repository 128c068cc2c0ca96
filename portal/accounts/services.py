"""Writes about people: signup, profile, roles, doctor approval."""

from __future__ import annotations

import datetime as dt

from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import Http404
from django.utils import timezone

from portal.accounts.models import ReferringDoctor, User
from portal.accounts.permissions import can, forget_roles
from portal.accounts.roles import SELF_SIGNUP_ROLES, Role


@transaction.atomic
def user_complete_signup(
    *,
    user: User,
    role: str,
    first_name: str,
    last_name: str,
    phone: str = "",
    date_of_birth: dt.date | None = None,
    practice_number: str = "",
    practice_name: str = "",
) -> User:
    """Fill in a newly signed-up user and give them their (self-service) role."""
    if role not in SELF_SIGNUP_ROLES:
        raise PermissionDenied("This role cannot be chosen at signup.")
    user.first_name = first_name.strip()
    user.last_name = last_name.strip()
    user.phone = phone or ""
    user.date_of_birth = date_of_birth
    user.is_staff = False
    user.is_superuser = False
    user.full_clean(exclude=["password"])
    user.save()
    user.groups.set([Group.objects.get(name=role)])
    forget_roles(user)
    if role == Role.REFERRING_DOCTOR:
        profile = ReferringDoctor(user=user, practice_number=practice_number, practice_name=practice_name.strip())
        profile.full_clean(exclude=["user"])
        profile.save()
    return user


@transaction.atomic
def user_update_profile(
    *,
    user: User,
    first_name: str,
    last_name: str,
    phone: str,
    date_of_birth: dt.date | None,
    notify_by_email: bool,
    notify_by_sms: bool,
    sex: str = "",
) -> User:
    user.first_name = first_name.strip()
    user.last_name = last_name.strip()
    user.phone = phone or ""
    user.date_of_birth = date_of_birth
    user.sex = sex
    user.notify_by_email = notify_by_email
    user.notify_by_sms = notify_by_sms and bool(user.phone)
    user.full_clean(exclude=["password"])
    user.save()
    return user


@transaction.atomic
def user_set_roles(*, user: User, roles: list[str]) -> User:
    """Administrators only: give a user exactly these roles."""
    unknown = set(roles) - set(Role.values)
    if unknown:
        raise ValidationError(f"Unknown roles: {', '.join(sorted(unknown))}")
    user.groups.set(Group.objects.filter(name__in=roles))
    forget_roles(user)
    return user


@transaction.atomic
def doctor_approve(*, doctor: ReferringDoctor, approved_by: User) -> ReferringDoctor:
    if not can(approved_by, "accounts.approve_doctor", doctor):
        raise PermissionDenied("You may not approve referring doctors.")
    doctor = ReferringDoctor.objects.select_for_update().get(pk=doctor.pk)
    if doctor.verified_at is None:
        doctor.verified_at = timezone.now()
        doctor.verified_by = approved_by
        doctor.full_clean()
        doctor.save(update_fields=["verified_at", "verified_by", "updated_at"])
    return doctor


@transaction.atomic
def user_deactivate(*, user: User, by: User) -> User:
    """Close an account: it can no longer sign in, and every open session of it ends now."""
    from allauth.usersessions.models import UserSession

    if not (by.is_superuser or can(by, "accounts.deactivate_user", user)):
        raise PermissionDenied("You may not deactivate accounts.")
    user.is_active = False
    user.save(update_fields=["is_active"])
    for session in UserSession.objects.filter(user=user):
        session.end()
    return user


def user_session_name_device(*, session_key: str, name: str) -> None:
    """Remember the device name the app gave for this session (shown on the profile page)."""
    from allauth.usersessions.models import UserSession

    name = " ".join(name.split())[:80]
    if not name:
        return
    session = UserSession.objects.filter(session_key=session_key).first()
    if session is not None and session.data.get("device_name") != name:
        session.data = {**session.data, "device_name": name}
        # allauth's model (its user_agent may be blank, which full_clean refuses); only `data` changes.
        session.save(update_fields=["data"])


@transaction.atomic
def user_session_end(*, user: User, pk: int) -> str:
    """Sign out one of the user's sessions (a browser or an app token). Another's: 404."""
    from allauth.usersessions.models import UserSession

    session = UserSession.objects.filter(pk=pk, user=user).first()
    if session is None:
        raise Http404("No such session.")
    key = session.session_key
    session.end()
    return key

"""The one place that answers "may this user do X / see this object".

Roles are groups (`roles.Role`). Apps add object rules with `@rule("app.action")` in their own
`rules.py` (imported from their AppConfig.ready) and ask `can(user, "app.action", obj)`; views and
selectors never test group names themselves.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from portal.accounts.roles import CLINICAL_STAFF_ROLES, STAFF_ROLES, Role

Predicate = Callable[[Any, Any], bool]
_rules: dict[str, Predicate] = {}

_ROLE_CACHE_ATTR = "_portal_roles"


def roles_of(user: Any) -> set[str]:
    """The user's role names, read once per request object."""
    if user is None or not user.is_authenticated or not user.is_active:
        return set()
    cached = getattr(user, _ROLE_CACHE_ATTR, None)
    if cached is None:
        from portal.accounts.backends import group_names

        cached = set(group_names(user))
        setattr(user, _ROLE_CACHE_ATTR, cached)
    return set(cached)


def effective_roles(user: Any) -> set[str]:
    """The roles whose pages the user works with: their own, and for an administrator every
    staff role (so their navigation and dashboard lead to the worklist, analytics...)."""
    roles = roles_of(user)
    if user is not None and user.is_authenticated and user.is_active and user.is_superuser:
        roles |= set(STAFF_ROLES)
    return roles


# Where django.contrib.auth's ModelBackend caches a user's permissions on the user object.
_PERM_CACHE_ATTRS = ("_perm_cache", "_user_perm_cache", "_group_perm_cache")


def forget_roles(user: Any) -> None:
    """Drop the cached roles (and the permissions they carry) after a change of groups."""
    for attr in (_ROLE_CACHE_ATTR, *_PERM_CACHE_ATTRS):
        if hasattr(user, attr):
            delattr(user, attr)


def has_role(user: Any, *roles: str) -> bool:
    return bool(roles_of(user) & set(roles))


def is_staff_member(user: Any) -> bool:
    """Works for the practice (any staff role) or is an administrator."""
    return bool(user is not None and user.is_authenticated and (user.is_superuser or roles_of(user) & STAFF_ROLES))


def is_clinical_staff(user: Any) -> bool:
    """Staff who may see patient data. Marketing editors may not."""
    if user is None or not user.is_authenticated:
        return False
    return bool(user.is_superuser or roles_of(user) & CLINICAL_STAFF_ROLES)


def is_patient(user: Any) -> bool:
    return has_role(user, Role.PATIENT)


def is_verified_doctor(user: Any) -> bool:
    if not has_role(user, Role.REFERRING_DOCTOR):
        return False
    profile = getattr(user, "doctor_profile", None)
    return bool(profile and profile.is_verified)


def rule(action: str) -> Callable[[Predicate], Predicate]:
    """Register the predicate that answers `can(user, action, obj)`."""

    def register(predicate: Predicate) -> Predicate:
        _rules[action] = predicate
        return predicate

    return register


def can(user: Any, action: str, obj: Any = None) -> bool:
    """May `user` do `action` (on `obj`)? Unknown actions are refused."""
    if user is None or not user.is_authenticated or not user.is_active:
        return False
    predicate = _rules.get(action)
    if predicate is None:
        return False
    return bool(predicate(user, obj))


# --- Rules of the accounts app ----------------------------------------------


@rule("accounts.approve_doctor")
def _approve_doctor(user: Any, obj: Any) -> bool:
    return user.is_superuser or has_role(user, Role.MANAGER, Role.RECEPTION)


@rule("accounts.view_staff_pages")
def _view_staff_pages(user: Any, obj: Any) -> bool:
    return is_staff_member(user)


@rule("accounts.deactivate_user")
def _deactivate_user(user: Any, obj: Any) -> bool:
    return user.is_superuser or has_role(user, Role.MANAGER)


@rule("accounts.use_doctor_portal")
def _use_doctor_portal(user: Any, obj: Any) -> bool:
    """The referring doctor's pages: a doctor the practice has verified."""
    return is_verified_doctor(user)


@rule("accounts.await_doctor_verification")
def _await_doctor_verification(user: Any, obj: Any) -> bool:
    """A referring doctor not yet verified sees the "awaiting verification" page."""
    return has_role(user, Role.REFERRING_DOCTOR) and not is_verified_doctor(user)

"""Family (proxy) access: the rules, the services and the reads, in one place.

A guardian switches the portal to a dependant ("acting for"): in the patient-data pages
(`ACTING_NAMESPACES`) `request.user` becomes the dependant and `request.guardian` the guardian, so
every existing selector and service applies its own rules to the dependant unchanged; the audit
trail and the report access log record "by guardian X for dependant Y".
"""

from __future__ import annotations

import datetime as dt
import secrets

from django.conf import settings
from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models.signals import post_delete, post_save
from django.http import Http404
from django.utils import timezone

from portal.accounts.models import ProxyAccess, User
from portal.accounts.permissions import can, has_role, is_patient, rule
from portal.accounts.roles import Role
from portal.core.process_memo import ProcessMemo

SESSION_KEY = "proxy_acting_for"
# Where a guardian acting for a dependant sees the dependant's records (and only there).
ACTING_NAMESPACES = {"booking", "reports", "payments", "waitlist", "feedback"}
ACTING_VIEW_NAMES = {"accounts:dashboard"}
DEPENDANT_EMAIL_DOMAIN = "dependants.invalid"  # RFC 2606: never deliverable; the dependant has no login


def age_on(born: dt.date, day: dt.date) -> int:
    return day.year - born.year - ((day.month, day.day) < (born.month, born.day))


def is_open(link: ProxyAccess, *, today: dt.date | None = None) -> bool:
    """Does this link give access today? (Pure, given the dependant's date of birth.)"""
    if link.ended_at is not None:
        return False
    if link.relationship == ProxyAccess.Relationship.ADULT or link.consent_recorded_at is not None:
        return True
    born = link.dependant.date_of_birth
    today = today or timezone.localdate()
    return born is not None and age_on(born, today) < settings.PROXY_MAJORITY_AGE


def is_dependant_account(user: User) -> bool:
    return user.email.endswith("@" + DEPENDANT_EMAIL_DOMAIN)


# --- Reads ---------------------------------------------------------------------------------------


# Who has ever been a guardian, kept per process: every page's header asks whether the user has
# dependants, and almost nobody has (issue 22). A superset of today's guardians (ended and not yet
# open links count), so only those users' links are read.
_guardians: ProcessMemo[frozenset[int]] = ProcessMemo(
    "proxy-guardians", lambda: frozenset(ProxyAccess.objects.values_list("guardian_id", flat=True).distinct()))
post_save.connect(_guardians.changed, sender=ProxyAccess, dispatch_uid="accounts.proxy.guardians.save")
post_delete.connect(_guardians.changed, sender=ProxyAccess, dispatch_uid="accounts.proxy.guardians.delete")


def dependants_for(*, user: User) -> list[ProxyAccess]:
    """The guardian's links that give access today."""
    if user is None or not user.is_authenticated or user.pk not in _guardians.get():
        return []
    links = ProxyAccess.objects.filter(guardian=user, ended_at__isnull=True).select_related("dependant")
    return [link for link in links if is_open(link)]


def links_of(*, user: User) -> list[ProxyAccess]:
    """Every link where the user is the guardian, open or not (the family page)."""
    return list(ProxyAccess.objects.filter(guardian=user).select_related("dependant", "ended_by")
                .order_by("ended_at", "created_at"))


def guardians_of(*, user: User) -> list[ProxyAccess]:
    """Who can act for this user (shown to an adult dependant who signs in)."""
    return list(ProxyAccess.objects.filter(dependant=user, ended_at__isnull=True).select_related("guardian"))


def link_get_for(*, user: User, pk: int) -> ProxyAccess:
    link = ProxyAccess.objects.select_related("dependant", "guardian").filter(pk=pk).first()
    if link is None or (user.pk not in (link.guardian_id, link.dependant_id) and not can(user, "accounts.end_proxy")):
        raise Http404("No such family link.")
    return link


def acting_link(*, guardian: User, dependant_id: int) -> ProxyAccess:
    for link in dependants_for(user=guardian):
        if link.dependant_id == dependant_id:
            return link
    raise Http404("No such dependant.")


# --- Rules ---------------------------------------------------------------------------------------


@rule("accounts.add_dependant")
def _add_dependant(user, obj) -> bool:
    return is_patient(user) and not is_dependant_account(user)


@rule("accounts.end_proxy")
def _end_proxy(user, obj) -> bool:
    """Staff (reception, managers) end any link; the parties end their own (see proxy_end)."""
    return user.is_superuser or has_role(user, Role.RECEPTION, Role.MANAGER)


# --- Writes --------------------------------------------------------------------------------------


@transaction.atomic
def dependant_add(*, guardian: User, first_name: str, last_name: str, date_of_birth: dt.date,
                  relationship: str, consent: bool = False, sex: str = "") -> ProxyAccess:
    """A dependant without an email of their own, and the guardian's link to them."""
    if not can(guardian, "accounts.add_dependant"):
        raise PermissionDenied
    today = timezone.localdate()
    if date_of_birth > today:
        raise ValidationError({"date_of_birth": "The date of birth cannot be in the future."})
    adult = age_on(date_of_birth, today) >= settings.PROXY_MAJORITY_AGE
    if relationship == ProxyAccess.Relationship.CHILD and adult:
        raise ValidationError({"relationship": f"From {settings.PROXY_MAJORITY_AGE} a dependant is an adult: "
                                               "choose “An adult who consents” and confirm their consent."})
    if relationship == ProxyAccess.Relationship.ADULT and not consent:
        raise ValidationError({"consent": "Please confirm that they agree to you acting for them."})
    dependant = User(email=f"dependant-{secrets.token_hex(8)}@{DEPENDANT_EMAIL_DOMAIN}",
                     first_name=first_name.strip(), last_name=last_name.strip(), date_of_birth=date_of_birth,
                     sex=sex, notify_by_email=False, notify_by_sms=False)
    dependant.set_unusable_password()
    dependant.full_clean(exclude=["password"])
    dependant.save()
    dependant.groups.add(Group.objects.get(name=Role.PATIENT))
    link = ProxyAccess(guardian=guardian, dependant=dependant, relationship=relationship,
                       consent_recorded_at=timezone.now() if relationship == ProxyAccess.Relationship.ADULT else None)
    link.full_clean()
    link.save()
    return link


@transaction.atomic
def proxy_end(*, link: ProxyAccess, by: User, reason: str = "") -> ProxyAccess:
    """End a link: the guardian, the (adult) dependant or staff. Kept as history."""
    link = ProxyAccess.objects.select_for_update().get(pk=link.pk)
    if by.pk not in (link.guardian_id, link.dependant_id) and not can(by, "accounts.end_proxy"):
        raise PermissionDenied
    if link.ended_at is None:
        link.ended_at, link.ended_by = timezone.now(), by
        link.end_reason = (reason or "").strip()[:200] or (
            "Ended by the guardian" if by.pk == link.guardian_id
            else "Ended by the dependant" if by.pk == link.dependant_id else "Ended by the practice")
        link.full_clean()
        link.save(update_fields=["ended_at", "ended_by", "end_reason", "updated_at"])
    return link


# --- The switch (middleware) ---------------------------------------------------------------------


class ActingForMiddleware:
    """In the patient-data pages, a guardian who switched to a dependant acts as the dependant.

    Runs after authentication, just before the audit middleware, in `process_view` (the URL is
    resolved by then). A link that closed meanwhile (ended, or the child came of age) drops the
    switch at once."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated or not hasattr(request, "session"):
            return None
        dependant_id = request.session.get(SESSION_KEY)
        if not dependant_id:
            return None
        match = request.resolver_match
        if match is None or not (set(match.namespaces) & ACTING_NAMESPACES or match.view_name in ACTING_VIEW_NAMES):
            return None
        try:
            link = acting_link(guardian=user, dependant_id=int(dependant_id))
        except (Http404, ValueError):
            request.session.pop(SESSION_KEY, None)
            return None
        request.guardian = user
        request.user = link.dependant
        return None

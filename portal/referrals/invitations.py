"""Invitations to accept a doctor's referral (issue 13, item 11).

A doctor's referral reaches a patient only when the owner of the email address the doctor gave
accepts it: the address gets an email with a one-time link (only its SHA-256 is stored; it expires
after REFERRAL_INVITATION_DAYS). A registered owner signs in and accepts (the address must be one of
their verified addresses); an address without an account gets an invited account without a usable
password, and setting the password from the link accepts (allauth's password_reset signal).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import secrets
from dataclasses import dataclass

from allauth.account.models import EmailAddress
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.http import Http404, HttpRequest
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from portal.accounts.models import User
from portal.accounts.permissions import is_patient
from portal.accounts.roles import Role
from portal.accounts.services import user_complete_signup
from portal.referrals.models import Referral, ReferralInvitation
from portal.referrals.names import doctor_display_name

logger = logging.getLogger(__name__)

INVITATION_DAYS = 14
EXPIRED = ("This invitation link has expired. Nothing was changed. Please ask your doctor or the practice "
           "to send the referral again.")
USED = "This invitation link has already been used. Nothing was changed; the referral is on your dashboard."
NOT_VERIFIED = ("Please verify this email address first (from your account's email page), then open the "
                "invitation link again.")
NOT_A_PATIENT = "Only a patient account can accept a referral. Nothing was changed."


class InvitationRefused(Exception):
    """The link is known but cannot be used (expired, used, unverified address): a clear message."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _days() -> int:
    return int(getattr(settings, "REFERRAL_INVITATION_DAYS", INVITATION_DAYS))


def _absolute(request: HttpRequest | None, path: str) -> str:
    if request is not None:
        return request.build_absolute_uri(path)
    return settings.WAGTAILADMIN_BASE_URL.rstrip("/") + path


def account_for_email(email: str) -> User | None:
    """The account that has this address, as login or as one of its addresses; None if none."""
    user = User.objects.filter(email__iexact=email).first()
    if user is None:
        address = EmailAddress.objects.filter(email__iexact=email).select_related("user").first()
        user = address.user if address is not None else None
    return user


def _invited_account(*, first_name: str, last_name: str, date_of_birth: dt.date, email: str) -> User:
    """A patient account with no usable password (unusable until they set one from the email)."""
    user = User.objects.create_user(email, None)
    user_complete_signup(user=user, role=Role.PATIENT, first_name=first_name, last_name=last_name,
                         date_of_birth=date_of_birth)
    EmailAddress.objects.create(user=user, email=email, verified=False, primary=True)
    logger.info("patient account invited by referring doctor: user_id=%s", user.pk)
    return user


@transaction.atomic
def referral_invitation_create(
    *, referral: Referral, email: str, invited_by: User, request: HttpRequest | None = None,
) -> ReferralInvitation:
    """Invite the owner of `email` to accept `referral`; an invited account if the address has none.
    The email (after commit) differs by case; what the doctor is told never does."""
    email = User.objects.normalize_email(email).strip().lower()
    account = account_for_email(email)
    if account is None:
        account = _invited_account(first_name=referral.patient_first_name, last_name=referral.patient_last_name,
                                   date_of_birth=referral.patient_date_of_birth, email=email)
    token = secrets.token_urlsafe(32)
    invitation = ReferralInvitation(
        referral=referral, email=email, account=account, by_password_set=not account.has_usable_password(),
        token_hash=token_hash(token), expires_at=timezone.now() + dt.timedelta(days=_days()),
    )
    invitation.full_clean()
    invitation.save()
    doctor_name = doctor_display_name(invited_by.get_full_name()) or "Your doctor"
    context = {
        "first_name": referral.patient_first_name, "doctor_name": doctor_name, "days": _days(),
        "link": _absolute(request, reverse("referrals:invitation", kwargs={"token": token})),
        "new_account": invitation.by_password_set,
    }

    def send() -> None:
        send_mail(
            subject=render_to_string("referrals/doctor/email/invite_subject.txt", context).strip(),
            message=render_to_string("referrals/doctor/email/invite.txt", context),
            from_email=None, recipient_list=[email],
        )

    transaction.on_commit(send)
    return invitation


@dataclass(frozen=True)
class InvitationStep:
    """What the invitation link leads to: `accept` (show the accept button to this signed-in user),
    `sign_in` (a registered owner who is signed out) or `set_password` (a URL to set one)."""

    action: str
    invitation: ReferralInvitation
    url: str = ""


def _password_set_url(user: User) -> str:
    from allauth.account.forms import default_token_generator
    from allauth.account.utils import user_pk_to_url_str

    return reverse("account_reset_password_from_key",
                   kwargs={"uidb36": user_pk_to_url_str(user), "key": default_token_generator.make_token(user)})


def _usable(invitation: ReferralInvitation) -> None:
    if invitation.accepted_at is not None:
        raise InvitationRefused(USED)
    if invitation.is_expired(timezone.now()):
        raise InvitationRefused(EXPIRED)


def invitation_step(*, token: str, user) -> InvitationStep:
    """Where the link leads this visitor. Http404 for an unknown token and for a signed-in user
    the invitation is not addressed to; InvitationRefused for a used or expired one."""
    invitation = (ReferralInvitation.objects.select_related("referral__referring_doctor__user", "referral__scan_type",
                                                            "account").filter(token_hash=token_hash(token)).first())
    if invitation is None or invitation.account is None:
        raise Http404("No such invitation.")
    signed_in = user is not None and user.is_authenticated
    if signed_in and user.pk != invitation.account_id:
        raise Http404("No such invitation.")
    _usable(invitation)
    if not invitation.account.has_usable_password():
        if signed_in:  # cannot happen for a real session; refuse rather than guess
            raise Http404("No such invitation.")
        return InvitationStep("set_password", invitation, _password_set_url(invitation.account))
    if not signed_in:
        return InvitationStep("sign_in", invitation)
    if not is_patient(user):
        raise InvitationRefused(NOT_A_PATIENT)
    if not EmailAddress.objects.filter(user=user, email__iexact=invitation.email, verified=True).exists():
        raise InvitationRefused(NOT_VERIFIED)
    return InvitationStep("accept", invitation)


@transaction.atomic
def referral_invitation_accept(*, invitation: ReferralInvitation, user: User) -> Referral:
    """The owner of the invited address takes the referral: it becomes theirs (RECEIVED). Checks
    again under a row lock (expired, used, someone else's, unverified address)."""
    invitation = ReferralInvitation.objects.select_for_update().get(pk=invitation.pk)
    if invitation.account_id != user.pk:
        raise Http404("No such invitation.")
    _usable(invitation)
    if not is_patient(user):
        raise InvitationRefused(NOT_A_PATIENT)
    if not EmailAddress.objects.filter(user=user, email__iexact=invitation.email, verified=True).exists():
        raise InvitationRefused(NOT_VERIFIED)
    referral = Referral.objects.select_for_update().get(pk=invitation.referral_id)
    if referral.patient_id is not None or referral.status != Referral.Status.AWAITING_PATIENT:
        raise InvitationRefused(USED)
    referral.patient = user
    referral.status = Referral.Status.RECEIVED
    referral.full_clean()
    referral.save(update_fields=["patient", "status", "updated_at"])
    invitation.accepted_at = timezone.now()
    invitation.save(update_fields=["accepted_at", "updated_at"])
    logger.info("referral invitation accepted: referral_id=%s user_id=%s", referral.pk, user.pk)
    return referral


def referral_invitations_accept_on_password_set(*, user: User) -> int:
    """After an invited account set its password from the emailed link (its address is now
    verified): accept the invitations that were waiting for it. Safe to run twice."""
    accepted = 0
    pending = ReferralInvitation.objects.filter(account=user, by_password_set=True, accepted_at__isnull=True,
                                                expires_at__gt=timezone.now())
    for invitation in pending:
        try:
            referral_invitation_accept(invitation=invitation, user=user)
        except (InvitationRefused, Http404, ValidationError) as exc:
            logger.info("referral invitation not accepted on password set: invitation_id=%s (%s)",
                        invitation.pk, exc)
        else:
            accepted += 1
    return accepted

"""Signal receivers of the accounts app."""

from __future__ import annotations

from allauth.account.internal.flows.login import record_authentication
from allauth.mfa.signals import authenticator_added
from django.dispatch import receiver


@receiver(authenticator_added)
def record_mfa_on_enrolment(sender, request, user, authenticator, **kwargs) -> None:
    """Enrolling TOTP means entering a valid code from the new authenticator (after the password):
    this session has passed a second factor, as StaffMFARequiredMiddleware requires."""
    if request is not None and getattr(request, "user", None) == user and authenticator.type == "totp":
        record_authentication(request, user, "mfa", id=authenticator.pk, type=authenticator.type, enrolled=True)

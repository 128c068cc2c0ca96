"""The referring doctor's side of referrals: send a referral letter for a patient, and the status of
each referral.

Every accepted form takes one path (issue 13, item 11): the referral is stored waiting for the
patient, and the address the doctor gave is invited to accept it (portal.referrals.invitations).
The doctor is told the same thing, and sees the same row, whether or not the address has an account
and whether or not its details match; mismatches are shown to reception after acceptance.

An invited patient gets an account without a usable password and an email with a one-time link to
set one; setting it proves the address, which is then marked verified and accepts the referral (a
task, queued from allauth's password_reset signal).
"""

from __future__ import annotations

import datetime as dt
import logging

from allauth.account.models import EmailAddress
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone

from portal.accounts.models import User
from portal.accounts.permissions import is_verified_doctor
from portal.catalogue.models import ScanType
from portal.core import signals
from portal.core.files import private_files_removed_on_failure
from portal.core.uploads import check_upload
from portal.referrals import invitations
from portal.referrals.models import Referral
from portal.referrals.names import doctor_display_name

logger = logging.getLogger(__name__)

RATE_LIMITED = (
    "You have sent the most referrals the portal accepts in a short time. Please try again later, "
    "or contact the practice."
)


def doctor_referral_rate_consume(*, doctor_user: User) -> None:
    """Counts one referral attempt for this doctor in the shared cache (fixed window,
    DOCTOR_REFERRAL_RATE_LIMIT = (count, seconds)); ValidationError(RATE_LIMITED) past the limit."""
    from django.core.cache import cache

    limit, window = settings.DOCTOR_REFERRAL_RATE_LIMIT
    key = f"ratelimit:doctor_referral:{doctor_user.pk}"
    cache.add(key, 0, timeout=window)
    try:
        used = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.add(key, 1, timeout=window)
        used = 1
    if used > limit:
        raise ValidationError(RATE_LIMITED)


def referral_display_status(referral: Referral, *, has_final_report: bool, now: dt.datetime | None = None) -> str:
    """Where the referral is, from its appointment and report (a code; referrals/doctor/_status.html
    labels it): awaiting_patient (or invitation_expired) until the patient accepts; received;
    requested / booked (confirmed) while the visit is ahead; "not_recorded" once a booked visit's
    time has passed with no check-in; checked_in; scanned; reported; cancelled; no_show."""
    appointment = referral.appointment
    if referral.status == Referral.Status.AWAITING_PATIENT and referral.patient_id is None:
        invitation = getattr(referral, "invitation", None)
        if invitation is not None and invitation.is_expired(now or timezone.now()):
            return "invitation_expired"
        return "awaiting_patient"
    if has_final_report:
        return "reported"
    if appointment is None:
        return "cancelled" if referral.status == Referral.Status.CANCELLED else "received"
    status = appointment.Status
    if appointment.status == status.COMPLETED:
        return "scanned"
    if appointment.status == status.CHECKED_IN:
        return "checked_in"
    if appointment.status == status.CANCELLED:
        return "cancelled"
    if appointment.status == status.NO_SHOW:
        return "no_show"
    if appointment.end <= (now or timezone.now()):
        return "not_recorded"
    return "booked" if appointment.status == status.CONFIRMED else "requested"


@private_files_removed_on_failure
@transaction.atomic
def doctor_referral_create(
    *, doctor_user: User, first_name: str, last_name: str, date_of_birth: dt.date, email: str,
    scan_type: ScanType | None, clinical_notes: str, uploaded_file, request: HttpRequest | None = None,
) -> Referral:
    """Store a verified doctor's referral letter, waiting for the patient, and invite `email` to
    accept it. Nothing here depends on whether the address or the person is known to the portal."""
    if not is_verified_doctor(doctor_user):
        raise PermissionDenied("Only verified referring doctors can send referrals.")
    if not (email or "").strip():
        raise ValidationError("Give the patient's email address: we email them an invitation to accept the referral.")
    doctor_referral_rate_consume(doctor_user=doctor_user)
    checked = check_upload(uploaded_file)
    referral = Referral(
        patient=None, referring_doctor=doctor_user.doctor_profile,
        patient_first_name=" ".join(first_name.split())[:150], patient_last_name=" ".join(last_name.split())[:150],
        patient_date_of_birth=date_of_birth,
        doctor_name=doctor_display_name(doctor_user.get_full_name())[:150], scan_type=scan_type,
        clinical_notes=(clinical_notes or "").strip(), status=Referral.Status.AWAITING_PATIENT,
        original_name=checked.original_name, content_type=checked.content_type, size=checked.size,
        sha256=checked.sha256, uploaded_by=doctor_user,
    )
    referral.file.save(checked.content.name, checked.content, save=False)
    referral.full_clean()
    referral.save()
    invitations.referral_invitation_create(referral=referral, email=email, invited_by=doctor_user, request=request)
    signals.send_on_commit(signals.referral_received, sender=Referral, referral=referral)
    return referral


@transaction.atomic
def invited_patient_confirm_email(*, user_id: int) -> bool:
    """After a password set from the emailed link: the address is proven. Only for an account whose
    one address is its login address. Safe to run twice."""
    user = User.objects.filter(pk=user_id).first()
    if user is None:
        return False
    addresses = list(EmailAddress.objects.select_for_update().filter(user=user))
    if len(addresses) != 1 or addresses[0].email.lower() != user.email.lower() or addresses[0].verified:
        return False
    address = addresses[0]
    address.verified = True
    address.save(update_fields=["verified"])
    return True


def on_password_reset(sender, request, user, **kwargs) -> None:
    """allauth's password_reset signal: queue the verification (receivers do not write)."""
    from django_q.tasks import async_task

    async_task("portal.referrals.doctor_services.invited_patient_confirm_email_task", user.pk)


def invited_patient_confirm_email_task(user_id: int) -> bool:
    """Verify the invited address, then accept the referrals that waited for it."""
    confirmed = invited_patient_confirm_email(user_id=user_id)
    user = User.objects.filter(pk=user_id).first()
    if user is not None:
        invitations.referral_invitations_accept_on_password_set(user=user)
    return confirmed

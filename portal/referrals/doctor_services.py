"""The referring doctor's side of referrals: upload a referral for a patient (found by exact name
and date of birth, or invited by email), and the status of each referral.

An invited patient gets an account without a usable password and an email with a one-time link
(allauth's password-reset key) to set one; setting it proves the address, which is then marked
verified (a task, queued from allauth's password_reset signal).
"""

from __future__ import annotations

import datetime as dt
import logging

from allauth.account.models import EmailAddress
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.http import HttpRequest
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from portal.accounts.models import User
from portal.accounts.permissions import is_verified_doctor
from portal.accounts.roles import Role
from portal.accounts.services import user_complete_signup
from portal.catalogue.models import ScanType
from portal.core import signals
from portal.core.uploads import check_upload
from portal.referrals.models import Referral
from portal.referrals.names import doctor_display_name

logger = logging.getLogger(__name__)

# One neutral refusal for every case that records nothing (no match without an email, several
# matches, an email that belongs to an account with other details), so the form's messages do not
# tell a doctor whether a person is a patient or an address is registered (issue 13, item 11).
NOT_SENT = (
    "We could not send this referral online. Check the patient's name, date of birth and email "
    "address, or contact the practice to send it."
)
NO_MATCH = AMBIGUOUS = EMAIL_TAKEN = NOT_SENT
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
    """Where the referral is, from its appointment and report (a code; templates/referrals/doctor/_status.html
    labels it): received; requested / booked (confirmed) while the visit is ahead; "not_recorded" once a booked visit's
    time has passed with no check-in; checked_in; scanned; reported; cancelled; no_show."""
    appointment = referral.appointment
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


def patient_find(*, first_name: str, last_name: str, date_of_birth: dt.date) -> User | None:
    """The one patient with exactly this name and date of birth (case aside); None if none;
    ValidationError if several."""
    matches = list(
        User.objects.filter(
            groups__name=Role.PATIENT, first_name__iexact=first_name.strip(), last_name__iexact=last_name.strip(),
            date_of_birth=date_of_birth,
        ).distinct()[:2]
    )
    if len(matches) > 1:
        raise ValidationError(AMBIGUOUS)
    return matches[0] if matches else None


def _invite_link(request: HttpRequest | None, user: User) -> str:
    from allauth.account.forms import default_token_generator
    from allauth.account.utils import user_pk_to_url_str

    path = reverse("account_reset_password_from_key",
                   kwargs={"uidb36": user_pk_to_url_str(user), "key": default_token_generator.make_token(user)})
    if request is not None:
        return request.build_absolute_uri(path)
    return settings.WAGTAILADMIN_BASE_URL.rstrip("/") + path


def patient_invite(
    *, first_name: str, last_name: str, date_of_birth: dt.date, email: str, invited_by: User,
    request: HttpRequest | None = None,
) -> User:
    """A patient account with no usable password, and an email to set one (after commit)."""
    email = User.objects.normalize_email(email).lower()
    if User.objects.filter(email__iexact=email).exists() or EmailAddress.objects.filter(email__iexact=email).exists():
        raise ValidationError(EMAIL_TAKEN)
    user = User.objects.create_user(email, None)  # set_password(None): unusable until they set one
    user_complete_signup(user=user, role=Role.PATIENT, first_name=first_name, last_name=last_name,
                         date_of_birth=date_of_birth)
    EmailAddress.objects.create(user=user, email=email, verified=False, primary=True)
    doctor_name = doctor_display_name(invited_by.get_full_name()) or "Your doctor"

    def send() -> None:
        context = {"user": user, "doctor_name": doctor_name, "link": _invite_link(request, user)}
        send_mail(
            subject=render_to_string("referrals/doctor/email/invite_subject.txt", context).strip(),
            message=render_to_string("referrals/doctor/email/invite.txt", context),
            from_email=None, recipient_list=[email],
        )

    transaction.on_commit(send)
    logger.info("patient invited by referring doctor: user_id=%s", user.pk)
    return user


@transaction.atomic
def doctor_referral_create(
    *, doctor_user: User, first_name: str, last_name: str, date_of_birth: dt.date, email: str = "",
    scan_type: ScanType | None, clinical_notes: str, uploaded_file, request: HttpRequest | None = None,
) -> tuple[Referral, bool]:
    """Store a verified doctor's referral letter for a patient. Returns (referral, invited)."""
    if not is_verified_doctor(doctor_user):
        raise PermissionDenied("Only verified referring doctors can send referrals.")
    doctor_referral_rate_consume(doctor_user=doctor_user)
    checked = check_upload(uploaded_file)
    patient = patient_find(first_name=first_name, last_name=last_name, date_of_birth=date_of_birth)
    invited = False
    if patient is None:
        if not email:
            raise ValidationError(NO_MATCH)
        patient = patient_invite(first_name=first_name, last_name=last_name, date_of_birth=date_of_birth,
                                 email=email, invited_by=doctor_user, request=request)
        invited = True
    referral = Referral(
        patient=patient, referring_doctor=doctor_user.doctor_profile,
        doctor_name=doctor_display_name(doctor_user.get_full_name())[:150], scan_type=scan_type,
        clinical_notes=(clinical_notes or "").strip(), status=Referral.Status.RECEIVED,
        original_name=checked.original_name, content_type=checked.content_type, size=checked.size,
        sha256=checked.sha256, uploaded_by=doctor_user,
    )
    referral.file.save(checked.content.name, checked.content, save=False)
    referral.full_clean()
    referral.save()
    signals.send_on_commit(signals.referral_received, sender=Referral, referral=referral)
    return referral, invited


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
    return invited_patient_confirm_email(user_id=user_id)

"""Writes of referral letters. Every file goes through core.uploads.check_upload first."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction

from portal.accounts.models import User
from portal.booking.models import Appointment
from portal.catalogue.models import ScanType
from portal.core import signals
from portal.core.files import private_files_removed_on_failure
from portal.core.uploads import check_upload
from portal.referrals.models import Referral, ReferralAccess
from portal.referrals.names import doctor_display_name


@private_files_removed_on_failure
def referral_upload(
    *,
    patient: User,
    uploaded_file,
    uploaded_by: User | None,
    appointment: Appointment | None = None,
    scan_type: ScanType | None = None,
    doctor_name: str = "",
    referring_doctor=None,
) -> Referral:
    """Check the file by content, store it privately under a server-made name, record the referral.

    Raises ValidationError (a message for the user) for a wrong type, an oversized file, an image
    bomb...; nothing is stored then. A full disk raises StorageFull (a ValidationError) with no
    row written. If the database write fails the stored file is removed. File first, then the row,
    in one transaction: no row ever names a file that is not there.
    """
    checked = check_upload(uploaded_file)
    if appointment is not None and appointment.patient_id != patient.pk:
        raise ValidationError("This appointment belongs to another patient.")
    referral = Referral(
        patient=patient,
        appointment=appointment,
        referring_doctor=referring_doctor,
        scan_type=scan_type or (appointment.scan_type if appointment else None),
        doctor_name=doctor_display_name(doctor_name)[:150],
        status=Referral.Status.BOOKED if appointment else Referral.Status.RECEIVED,
        original_name=checked.original_name,
        content_type=checked.content_type,
        size=checked.size,
        sha256=checked.sha256,
        uploaded_by=uploaded_by,
    )
    with transaction.atomic():
        referral.file.save(checked.content.name, checked.content, save=False)
        referral.full_clean()
        referral.save()
        signals.send_on_commit(signals.referral_received, sender=Referral, referral=referral)
    return referral


@transaction.atomic
def referral_attach(*, referral: Referral, appointment: Appointment) -> Referral:
    """Link a letter uploaded during booking to the appointment it led to."""
    referral = Referral.objects.select_for_update().get(pk=referral.pk)
    if referral.patient_id != appointment.patient_id:
        raise ValidationError("This referral belongs to another patient.")
    referral.appointment = appointment
    referral.status = Referral.Status.BOOKED
    referral.full_clean()
    referral.save()
    return referral


@transaction.atomic
def referral_link_doctor(*, referral: Referral, doctor, by: User) -> Referral:
    """Link a letter (uploaded by the patient or the practice) to the verified referring doctor who
    wrote it: the doctor then follows it on the portal and reads its report."""
    from portal.accounts.permissions import can

    if not can(by, "referrals.link_doctor", referral):
        raise ValidationError("You may not link referrals to doctors.")
    referral = Referral.objects.select_for_update().get(pk=referral.pk)  # (no outer join: PostgreSQL refuses)
    if referral.referring_doctor_id is not None:
        name = referral.referring_doctor.user.get_full_name()
        raise ValidationError(f"This referral is already linked to Dr {name}.")
    if not doctor.is_verified or not doctor.user.is_active:
        raise ValidationError("Only a verified referring doctor can be linked.")
    referral.referring_doctor = doctor
    referral.doctor_name = referral.doctor_name or doctor_display_name(doctor.user.get_full_name())[:150]
    referral.full_clean()
    referral.save(update_fields=["referring_doctor", "doctor_name", "updated_at"])
    return referral


def referral_record_access(*, referral: Referral, user: User, ip_address: str | None) -> ReferralAccess:
    access = ReferralAccess(referral=referral, user=user, ip_address=ip_address or None)
    access.full_clean()
    access.save()
    return access


@transaction.atomic
def referral_set_diagnosis(*, referral: Referral, codes: str | list[str], by: User) -> Referral:
    """Record the ICD-10 diagnosis codes written on the letter (claims carry them). Unknown codes are
    refused with their text; an empty value clears them."""
    from portal.accounts.permissions import can
    from portal.catalogue.icd10 import parse_codes

    if not can(by, "referrals.set_diagnosis", referral):
        raise ValidationError("You may not record diagnosis codes.")
    parsed = parse_codes(codes)
    referral = Referral.objects.select_for_update().get(pk=referral.pk)
    referral.icd10_codes = parsed
    # Only this field changes (an old letter may have lost its uploader: SET_NULL).
    referral.clean_fields(exclude=[f.name for f in Referral._meta.fields if f.name != "icd10_codes"])
    referral.save(update_fields=["icd10_codes", "updated_at"])
    return referral

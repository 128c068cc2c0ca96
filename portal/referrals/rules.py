"""Who may see referral letters."""

from __future__ import annotations

from typing import Any

from portal.accounts.permissions import is_clinical_staff, is_patient, is_verified_doctor, rule


@rule("referrals.view_referral")
def _view_referral(user: Any, referral: Any) -> bool:
    if referral is None:
        return False
    if referral.patient_id == user.pk or is_clinical_staff(user):
        return True
    doctor = referral.referring_doctor
    return bool(doctor is not None and doctor.user_id == user.pk and is_verified_doctor(user))


@rule("referrals.upload_for_appointment")
def _upload_for_appointment(user: Any, appointment: Any) -> bool:
    if appointment is None or not appointment.holds_slot:
        return False
    return (appointment.patient_id == user.pk and is_patient(user)) or is_clinical_staff(user)


@rule("referrals.link_doctor")
def _link_doctor(user: Any, referral: Any) -> bool:
    """Link a letter to the registered doctor who wrote it: the staff who verify doctors."""
    from portal.accounts.permissions import can

    return referral is not None and can(user, "accounts.approve_doctor")


@rule("referrals.set_diagnosis")
def _set_diagnosis(user: Any, referral: Any) -> bool:
    """Record the letter's ICD-10 diagnosis codes (for medical-aid claims): the practice's clinical staff."""
    return referral is not None and is_clinical_staff(user)

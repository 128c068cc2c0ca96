"""The referral section of the appointment page, and the booking wizard's referral step."""

from __future__ import annotations

from portal.accounts.permissions import can, is_clinical_staff
from portal.referrals import selectors, services
from portal.referrals.forms import LinkDoctorForm, ReferralUploadForm


def _letter_useful(appointment) -> bool:
    return appointment.is_upcoming


def appointment_panel_context(user, appointment) -> dict | None:
    if not can(user, "booking.view_appointment", appointment):
        return None
    return {
        "appointment": appointment,
        "referrals": list(selectors.referrals_for_appointment(user=user, appointment=appointment)),
        # A letter is useful only before the scan: not once it is done, missed or cancelled.
        "needs_referral": appointment.scan_type.needs_referral and _letter_useful(appointment),
        "can_upload": _letter_useful(appointment) and can(user, "referrals.upload_for_appointment", appointment),
        "link_form": LinkDoctorForm() if can(user, "accounts.approve_doctor") else None,
        "can_set_diagnosis": can(user, "referrals.set_diagnosis", appointment),
        # The name / date of birth a doctor typed that differ from the account: for the practice to check.
        "show_checks": is_clinical_staff(user),
        "form": ReferralUploadForm(),
    }


def referral_valid(state: dict, patient) -> bool:
    """Is the letter the state names one of this patient's, not yet attached to a booking?"""
    pk = state.get("referral_id")
    return bool(pk) and selectors.referral_get_unattached(patient=patient, pk=pk) is not None


def attach_on_booked(appointment, state: dict) -> None:
    """Inside the booking's transaction: link the letter the wizard uploaded to the appointment."""
    pk = state.get("referral_id")
    if not pk:
        return
    referral = selectors.referral_get_unattached(patient=appointment.patient, pk=pk)
    if referral is not None:
        services.referral_attach(referral=referral, appointment=appointment)

"""Context for the dashboard and appointment-page panels of reports and the doctor's referrals."""

from __future__ import annotations

from typing import Any

from portal.accounts.permissions import can, is_verified_doctor
from portal.booking.models import Appointment
from portal.referrals import doctor_services
from portal.reports import doctor_selectors, selectors


def worklist_panel(user: Any) -> dict:
    if not can(user, "reports.worklist"):
        return {}
    return selectors.worklist_summary(user)


def patient_reports_panel(user: Any) -> dict:
    return {"reports": selectors.reports_for_patient(user=user)[:5]}


def doctor_referrals_panel(user: Any) -> dict:
    if not is_verified_doctor(user):
        return {"verified": False}
    referrals = list(doctor_selectors.doctor_referrals(user=user)[:5])
    return {
        "verified": True,
        "rows": [{"referral": r, "status": doctor_services.referral_display_status(
            r, has_final_report=r.has_final_report)} for r in referrals],
    }


def appointment_report(user: Any, appointment: Appointment) -> dict | None:
    """The report link on the appointment page, or the editor link for radiologists."""
    if appointment.status != Appointment.Status.COMPLETED:
        return None
    report = selectors.appointment_report_for(user=user, appointment=appointment)
    can_write = can(user, "reports.write")
    if report is None and not can_write:
        return None
    return {"report": report, "can_write": can_write, "appointment": appointment}

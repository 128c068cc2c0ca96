"""Who may do what with payments (asked through portal.accounts.permissions.can)."""

from __future__ import annotations

from typing import Any

from portal.accounts.permissions import is_clinical_staff, rule


def _payment_staff(user: Any) -> bool:
    """Front-desk staff with the payment permissions (Reception and Manager, by migration)."""
    return is_clinical_staff(user) and user.has_perm("payments.add_payment")


@rule("payments.view")
def _view(user: Any, appointment: Any) -> bool:
    """See an appointment's balance, payments and receipts: its patient, or payment staff."""
    if appointment is None:
        return False
    return appointment.patient_id == user.pk or _payment_staff(user)


@rule("payments.pay_online")
def _pay_online(user: Any, appointment: Any) -> bool:
    """Only the patient pays online for their own appointment."""
    return appointment is not None and appointment.patient_id == user.pk


@rule("payments.record")
def _record(user: Any, obj: Any) -> bool:
    """Record desk payments and medical-aid claim outcomes."""
    return _payment_staff(user)


@rule("payments.confirm_refund")
def _confirm_refund(user: Any, obj: Any) -> bool:
    return _payment_staff(user) and user.has_perm("payments.change_refund")

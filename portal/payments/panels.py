"""The payments panel on the appointment page (portal.core.registry.appointment_panel)."""

from __future__ import annotations

from typing import Any

from portal.accounts.permissions import can
from portal.booking.models import Appointment
from portal.payments.forms import ClaimOutcomeForm, ClaimSubmitForm, DeskPaymentForm, PaynowForm
from portal.payments.models import MedicalAidClaim, PaymentHold, Refund
from portal.payments.selectors import (
    appointment_balance,
    balances_due_for,
    claim_of,
    payments_of,
    paynow_enabled,
    stripe_enabled,
)


def appointment_panel_context(user: Any, appointment: Appointment) -> dict | None:
    """Balance, payments and the actions this user may take; None hides the panel."""
    if not can(user, "payments.view", appointment):
        return None
    balance = appointment_balance(appointment)
    claim = claim_of(appointment)
    payments = list(payments_of(appointment))
    staff = can(user, "payments.record")
    active = appointment.holds_slot
    hold = PaymentHold.objects.filter(appointment=appointment, status=PaymentHold.Status.HELD).first()
    context: dict[str, Any] = {
        "hold": hold,
        "balance": balance,
        "payments": payments,
        "claim": claim,
        "stripe_enabled": stripe_enabled(),
        "can_pay_online": (stripe_enabled() and active and balance.due > 0
                           and can(user, "payments.pay_online", appointment)),
        "paynow_form": (PaynowForm(prefix="paynow")
                        if paynow_enabled() and active and balance.due > 0
                        and can(user, "payments.pay_online", appointment) else None),
        "is_staff": staff,
        "refunds_awaiting": [p.refund for p in payments
                             if hasattr(p, "refund") and p.refund.status == Refund.Status.AWAITING_STAFF],
        "can_confirm_refund": can(user, "payments.confirm_refund"),
    }
    if staff:
        if active and balance.due > 0:
            context["desk_form"] = DeskPaymentForm(initial={"amount": balance.due}, prefix="desk")
        if claim is None and appointment.plan_id and appointment.covered_amount > 0:
            context["claim_form"] = ClaimSubmitForm(initial={"amount": appointment.covered_amount}, prefix="claim")
        if claim is not None and claim.status == MedicalAidClaim.Status.SUBMITTED:
            context["outcome_form"] = ClaimOutcomeForm(initial={"amount": claim.amount_claimed}, prefix="outcome")
    return context


def dashboard_context(user: Any) -> dict:
    """The patient's dashboard: what is still to pay."""
    return {"balances_due": balances_due_for(user=user), "stripe_enabled": stripe_enabled() or paynow_enabled()}

from __future__ import annotations

from decimal import Decimal

from django import forms

from portal.payments.models import MedicalAidClaim
from portal.payments.selectors import DESK_METHODS


class DeskPaymentForm(forms.Form):
    method = forms.ChoiceField(
        label="Method",
        choices=[(m.value, m.label) for m in DESK_METHODS],
    )
    amount = forms.DecimalField(label="Amount", max_digits=10, decimal_places=2, min_value=Decimal("0.01"),
                                error_messages={"min_value": "The amount must be more than zero."})
    reference = forms.CharField(label="Reference (slip or transfer number)", max_length=100, required=False)


class ClaimSubmitForm(forms.Form):
    amount = forms.DecimalField(label="Amount claimed", max_digits=10, decimal_places=2, min_value=Decimal("0.01"),
                                error_messages={"min_value": "The amount must be more than zero."})
    reference = forms.CharField(label="Claim reference", max_length=100, required=False)


class ClaimOutcomeForm(forms.Form):
    outcome = forms.ChoiceField(
        label="Outcome",
        choices=[(MedicalAidClaim.Status.PAID.value, "Paid by the medical aid"),
                 (MedicalAidClaim.Status.REJECTED.value, "Rejected (the patient pays)")],
        widget=forms.RadioSelect,
    )
    amount = forms.DecimalField(label="Amount paid by the aid", max_digits=10, decimal_places=2, required=False,
                                help_text="When paid.")
    reason = forms.CharField(label="Rejection reason", max_length=300, required=False, help_text="When rejected.")

    def clean(self):
        data = super().clean()
        if data.get("outcome") == MedicalAidClaim.Status.PAID:
            amount = data.get("amount")
            if amount is None:
                self.add_error("amount", "Enter the amount the medical aid paid.")
            elif amount <= 0:
                self.add_error("amount", "The amount must be more than zero.")
        elif data.get("outcome") == MedicalAidClaim.Status.REJECTED and not (data.get("reason") or "").strip():
            self.add_error("reason", "Give the reason the medical aid gave.")
        return data

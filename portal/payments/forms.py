from __future__ import annotations

from decimal import Decimal

from django import forms

from portal.payments.models import MedicalAidClaim
from portal.payments.selectors import DESK_METHODS, MAX_DESK_QUERY


class DeskPaymentForm(forms.Form):
    method = forms.ChoiceField(
        label="Method",
        choices=[(m.value, m.label) for m in DESK_METHODS],
    )
    amount = forms.DecimalField(label="Amount", max_digits=10, decimal_places=2, min_value=Decimal("0.01"),
                                error_messages={"min_value": "The amount must be more than zero."})
    reference = forms.CharField(label="Reference (slip or transfer number)", max_length=100, required=False)


class DeskFilterForm(forms.Form):
    """The payments desk's day and search (GET). A bad day is an error and the desk shows today."""

    day = forms.DateField(label="Day", required=False, widget=forms.DateInput(attrs={"type": "date"}),
                          error_messages={"invalid": "Enter the day as a date, e.g. 2 Dec 2026."})
    q = forms.CharField(label="Search", required=False, max_length=MAX_DESK_QUERY, strip=True,
                        widget=forms.TextInput(attrs={"type": "search",
                                                      "placeholder": "Patient name, reference or receipt no."}))


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


class PaynowForm(forms.Form):
    """How the patient pays through Paynow; a mobile-money number for EcoCash and OneMoney."""

    METHODS = [
        ("ecocash", "EcoCash"),
        ("onemoney", "OneMoney"),
        ("web", "Paynow checkout (ZimSwitch, Visa, Mastercard and other wallets)"),
    ]
    # Zimbabwe's mobile networks by prefix: Econet (EcoCash) 077/078, NetOne (OneMoney) 071.
    NETWORK_PREFIXES = {"ecocash": ("77", "78"), "onemoney": ("71",)}

    method = forms.ChoiceField(label="Pay with", choices=METHODS, widget=forms.RadioSelect, initial="ecocash")
    phone = forms.CharField(label="Mobile-money number", max_length=20, required=False,
                            help_text="For EcoCash or OneMoney, e.g. 077 123 4567. You approve the payment on "
                                      "this phone.",
                            widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "tel"}))

    def clean(self):
        import phonenumbers

        data = super().clean()
        method = data.get("method")
        if method not in self.NETWORK_PREFIXES:
            data["phone"] = ""
            return data
        raw = (data.get("phone") or "").strip()
        label = dict(self.METHODS)[method]
        if not raw:
            self.add_error("phone", f"Enter the {label} number that will approve the payment.")
            return data
        try:
            number = phonenumbers.parse(raw, "ZW")
        except phonenumbers.NumberParseException:
            number = None
        national = str(number.national_number) if number is not None else ""
        if (number is None or number.country_code != 263 or not phonenumbers.is_valid_number(number)
                or not national.startswith(self.NETWORK_PREFIXES[method])):
            prefixes = " or ".join(f"0{p}" for p in self.NETWORK_PREFIXES[method])
            self.add_error("phone", f"Enter a Zimbabwean {label} number (starting {prefixes}).")
            return data
        data["phone"] = "0" + national  # Paynow takes the local form, 0771234567
        return data


def _schemes():
    from portal.catalogue.models import MedicalAidScheme

    return MedicalAidScheme.objects.filter(active=True).order_by("name")


class ClaimBatchForm(forms.Form):
    scheme = forms.ModelChoiceField(queryset=None, label="Medical-aid scheme", empty_label="Choose the scheme",
                                    error_messages={"required": "Choose the scheme to claim from."})
    period_start = forms.DateField(label="Scans from", widget=forms.DateInput(attrs={"type": "date"}))
    period_end = forms.DateField(label="to (inclusive)", widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["scheme"].queryset = _schemes()


class RemittanceForm(forms.Form):
    MAX_BYTES = 5 * 1024 * 1024

    scheme = forms.ModelChoiceField(queryset=None, label="Medical-aid scheme", empty_label="Choose the scheme",
                                    error_messages={"required": "Choose the scheme the remittance is from."})
    file = forms.FileField(label="Remittance file (CSV)", help_text="In the layout of our claim files, with "
                           "amount_paid and rejection_reason columns.",
                           widget=forms.ClearableFileInput(attrs={"accept": ".csv,text/csv"}),
                           error_messages={"required": "Choose the remittance file."})

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["scheme"].queryset = _schemes()

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > self.MAX_BYTES:
            raise forms.ValidationError("The file is larger than 5 MB: split it.")
        if not upload.name.lower().endswith(".csv"):
            raise forms.ValidationError("Upload the remittance as a CSV file.")
        return upload

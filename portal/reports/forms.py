from __future__ import annotations

from django import forms
from phonenumber_field.formfields import PhoneNumberField


class ReportForm(forms.Form):
    findings = forms.CharField(widget=forms.Textarea(attrs={"rows": 10}), required=False, max_length=20000)
    impression = forms.CharField(widget=forms.Textarea(attrs={"rows": 4}), required=False, max_length=5000)
    recommendations = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), required=False, max_length=5000)
    critical_finding = forms.BooleanField(
        required=False, label="Critical finding",
        help_text="Tick when the referring doctor must be told urgently (the report is flagged everywhere).",
    )


class StartReportForm(forms.Form):
    """Which of the scan type's templates a new draft starts from (the default preselected), or none."""

    BLANK = "blank"
    template = forms.ChoiceField(
        label="Start from", widget=forms.RadioSelect(attrs={"class": "form-check-input"}),
        error_messages={"required": "Choose a template, or a blank report.",
                        "invalid_choice": "Choose one of this scan type's templates, or a blank report."},
    )

    def __init__(self, *args, templates: list, **kwargs):
        super().__init__(*args, **kwargs)
        choices = [(str(t.pk), f"{t.name} (default)" if t.is_default else t.name) for t in templates]
        self.fields["template"].choices = [*choices, (self.BLANK, "A blank report")]
        default = next((t for t in templates if t.is_default), templates[0] if templates else None)
        self.fields["template"].initial = str(default.pk) if default else self.BLANK

    def start_kwargs(self) -> dict:
        value = self.cleaned_data["template"]
        return {"blank": True} if value == self.BLANK else {"template_id": int(value)}


class AmendForm(forms.Form):
    reason = forms.CharField(
        label="Reason for the amendment", widget=forms.Textarea(attrs={"rows": 3}), max_length=2000,
        help_text="Printed on the amended report; the signed version is kept.",
    )


class ReportUploadForm(forms.Form):
    file = forms.FileField(label="Report PDF", help_text="A PDF made elsewhere, up to 10 MB.",
                           widget=forms.ClearableFileInput(attrs={"accept": "application/pdf"}))


class ShareForm(forms.Form):
    """A share link for another doctor: for whom, how long, and optionally an access code by SMS."""

    recipient_name = forms.CharField(
        label="Who is it for?", max_length=120,
        help_text="Shown in “Who opened my report”, e.g. Dr Moyo (second opinion).",
    )
    days = forms.IntegerField(label="Link lasts (days)", initial=7, min_value=1,
                              error_messages={"min_value": "A link must last at least 1 day."})
    phone = PhoneNumberField(
        label="Text an access code to (optional)", required=False,
        help_text="The link then asks for a six-digit code, sent by SMS to this number.",
    )

    def __init__(self, *args, max_days: int, default_days: int, **kwargs):
        super().__init__(*args, **kwargs)
        self.max_days = max_days
        self.fields["days"].initial = default_days
        self.fields["days"].max_value = max_days
        self.fields["days"].widget.attrs.update({"min": 1, "max": max_days})
        self.fields["days"].help_text = f"At most {max_days} days. You can revoke the link at any time."

    def clean_days(self) -> int:
        days = self.cleaned_data["days"]
        if days > self.max_days:
            raise forms.ValidationError(f"A link can last at most {self.max_days} days.")
        return days


class ShareCodeForm(forms.Form):
    code = forms.CharField(label="Access code", max_length=6, min_length=6,
                           widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "one-time-code"}),
                           error_messages={"min_length": "The access code has six digits."})

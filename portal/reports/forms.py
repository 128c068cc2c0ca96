from __future__ import annotations

from django import forms


class ReportForm(forms.Form):
    findings = forms.CharField(widget=forms.Textarea(attrs={"rows": 10}), required=False, max_length=20000)
    impression = forms.CharField(widget=forms.Textarea(attrs={"rows": 4}), required=False, max_length=5000)
    recommendations = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), required=False, max_length=5000)
    critical_finding = forms.BooleanField(
        required=False, label="Critical finding",
        help_text="Tick when the referring doctor must be told urgently (the report is flagged everywhere).",
    )


class AmendForm(forms.Form):
    reason = forms.CharField(
        label="Reason for the amendment", widget=forms.Textarea(attrs={"rows": 3}), max_length=2000,
        help_text="Printed on the amended report; the signed version is kept.",
    )


class ReportUploadForm(forms.Form):
    file = forms.FileField(label="Report PDF", help_text="A PDF made elsewhere, up to 10 MB.",
                           widget=forms.ClearableFileInput(attrs={"accept": "application/pdf"}))

from __future__ import annotations

from django import forms
from django.utils import timezone

from portal.catalogue.models import ScanType


class DoctorReferralForm(forms.Form):
    first_name = forms.CharField(label="Patient's first name", max_length=150)
    last_name = forms.CharField(label="Patient's last name", max_length=150)
    date_of_birth = forms.DateField(label="Patient's date of birth", widget=forms.DateInput(attrs={"type": "date"}))
    email = forms.EmailField(
        label="Patient's email address",
        help_text="We email the patient an invitation to accept the referral.",
    )
    scan_type = forms.ModelChoiceField(
        label="Examination requested", queryset=ScanType.objects.none(), required=False,
        empty_label="As described in the letter",
    )
    clinical_notes = forms.CharField(label="Clinical notes", required=False, max_length=5000,
                                     widget=forms.Textarea(attrs={"rows": 4}))
    file = forms.FileField(label="Referral letter", help_text="PDF, JPEG or PNG, up to 10 MB.",
                           widget=forms.ClearableFileInput(attrs={"accept": "application/pdf,image/jpeg,image/png"}))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["scan_type"].queryset = ScanType.objects.live().order_by("modality", "name")

    def clean_date_of_birth(self):
        value = self.cleaned_data["date_of_birth"]
        if value > timezone.localdate():
            raise forms.ValidationError("Date of birth cannot be in the future.")
        if value.year < 1900:
            raise forms.ValidationError("Please check the year of birth.")
        return value

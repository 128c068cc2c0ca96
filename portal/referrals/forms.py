from __future__ import annotations

from django import forms

from portal.core.uploads import DEFAULT_MAX_UPLOAD_BYTES


class ReferralUploadForm(forms.Form):
    file = forms.FileField(
        label="Referral letter",
        help_text=f"A PDF, or a photo or scan as JPEG or PNG, up to {DEFAULT_MAX_UPLOAD_BYTES // (1024 * 1024)} MB.",
        widget=forms.ClearableFileInput(attrs={"accept": ".pdf,.jpg,.jpeg,.png,application/pdf,image/jpeg,image/png"}),
        error_messages={"required": "Please choose the referral letter to upload."},
    )
    doctor_name = forms.CharField(label="Referring doctor (as on the letter)", max_length=150, required=False)


class LinkDoctorForm(forms.Form):
    """Reception: which verified referring doctor wrote this letter."""

    doctor = forms.ModelChoiceField(
        queryset=None, label="Registered doctor", empty_label="Choose the doctor who wrote the letter",
        error_messages={"required": "Please choose a doctor.",
                        "invalid_choice": "Choose a verified referring doctor from the list."},
    )

    def __init__(self, *args, **kwargs):
        from portal.accounts.models import ReferringDoctor

        super().__init__(*args, **kwargs)
        field = self.fields["doctor"]
        field.queryset = (ReferringDoctor.objects.filter(verified_at__isnull=False, user__is_active=True)
                          .select_related("user").order_by("user__last_name", "user__first_name"))
        field.label_from_instance = lambda d: " · ".join(
            part for part in (f"Dr {d.user.get_full_name()}", f"practice no. {d.practice_number}", d.practice_name)
            if part)


class DiagnosisForm(forms.Form):
    """Staff: the ICD-10 codes on the letter (claims carry them)."""

    codes = forms.CharField(label="Diagnosis codes (ICD-10)", max_length=80, required=False,
                            help_text="As on the letter, e.g. R10.4, K80.2. Checked against ICD-10.")

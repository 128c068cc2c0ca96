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

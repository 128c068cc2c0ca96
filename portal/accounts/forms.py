from __future__ import annotations

from django import forms
from django.utils import timezone
from phonenumber_field.formfields import PhoneNumberField

from portal.accounts.models import ReferringDoctor, User
from portal.accounts.roles import Role


def _validate_birth_date(value):
    if value and value > timezone.localdate():
        raise forms.ValidationError("Date of birth cannot be in the future.")
    if value and value.year < 1900:
        raise forms.ValidationError("Please check the year of birth.")
    return value


class SignupForm(forms.Form):
    """Extra signup fields, mixed into allauth's signup form (ACCOUNT_SIGNUP_FORM_CLASS).

    Only "patient" and "doctor" exist as choices, so no posted value can make staff.
    """

    ACCOUNT_TYPES = [("patient", "I am a patient"), ("doctor", "I am a referring doctor")]

    account_type = forms.ChoiceField(choices=ACCOUNT_TYPES, initial="patient", widget=forms.RadioSelect)
    first_name = forms.CharField(max_length=150, widget=forms.TextInput(attrs={"autocomplete": "given-name"}))
    last_name = forms.CharField(max_length=150, widget=forms.TextInput(attrs={"autocomplete": "family-name"}))
    phone = PhoneNumberField(
        required=False,
        help_text="Mobile number for SMS reminders, e.g. +263 77 123 4567.",
        widget=forms.TextInput(attrs={"autocomplete": "tel", "inputmode": "tel"}),
    )
    date_of_birth = forms.DateField(
        required=False, widget=forms.DateInput(attrs={"type": "date", "autocomplete": "bday"})
    )
    practice_number = forms.CharField(
        max_length=40, required=False, help_text="Referring doctors: your practice number."
    )
    practice_name = forms.CharField(max_length=200, required=False, help_text="Referring doctors: practice name.")

    field_order = ["account_type", "first_name", "last_name", "email", "phone", "date_of_birth",
                   "practice_number", "practice_name", "password1", "password2"]

    def clean_date_of_birth(self):
        return _validate_birth_date(self.cleaned_data.get("date_of_birth"))

    def clean_practice_number(self):
        return (self.cleaned_data.get("practice_number") or "").strip().upper()

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("account_type") == "doctor":
            number = cleaned.get("practice_number")
            if not number:
                self.add_error("practice_number", "Referring doctors must give their practice number.")
            elif ReferringDoctor.objects.filter(practice_number=number).exists():
                self.add_error("practice_number", "An account with this practice number already exists.")
        return cleaned

    def signup(self, request, user: User) -> None:
        from portal.accounts.services import user_complete_signup

        data = self.cleaned_data
        user_complete_signup(
            user=user,
            role=Role.REFERRING_DOCTOR if data["account_type"] == "doctor" else Role.PATIENT,
            first_name=data["first_name"],
            last_name=data["last_name"],
            phone=data.get("phone") or "",
            date_of_birth=data.get("date_of_birth"),
            practice_number=data.get("practice_number") or "",
            practice_name=data.get("practice_name") or "",
        )


class ProfileForm(forms.ModelForm):
    class Meta:
        model = User
        fields = ["first_name", "last_name", "phone", "date_of_birth", "sex", "notify_by_email", "notify_by_sms"]
        widgets = {
            "date_of_birth": forms.DateInput(attrs={"type": "date", "autocomplete": "bday"}, format="%Y-%m-%d"),
            "phone": forms.TextInput(attrs={"autocomplete": "tel", "inputmode": "tel"}),
            "first_name": forms.TextInput(attrs={"autocomplete": "given-name"}),
            "last_name": forms.TextInput(attrs={"autocomplete": "family-name"}),
        }

    def clean_date_of_birth(self):
        return _validate_birth_date(self.cleaned_data.get("date_of_birth"))

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("notify_by_sms") and not cleaned.get("phone"):
            self.add_error("phone", "Add a mobile number to receive text messages.")
        return cleaned


class DependantForm(forms.Form):
    """A dependant without an email of their own: a child, or an adult who consents."""

    first_name = forms.CharField(max_length=150)
    last_name = forms.CharField(max_length=150)
    date_of_birth = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}))
    sex = forms.ChoiceField(label="Sex", required=False, choices=[("", "Not given"), *User.Sex.choices],
                            help_text="As recorded for the scan: the scanner uses it for dose and reference values.")
    relationship = forms.ChoiceField(label="Who are they?", choices=[("child", "My child"),
                                                                    ("adult", "An adult who consents")])
    consent = forms.BooleanField(
        label="They agree that I book, read their reports and pay for them", required=False,
        help_text="Needed for an adult. They can withdraw it at any time through the practice.",
    )

    def clean_date_of_birth(self):
        born = self.cleaned_data["date_of_birth"]
        if born > timezone.localdate():
            raise forms.ValidationError("The date of birth cannot be in the future.")
        return born

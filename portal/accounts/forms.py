from __future__ import annotations

import phonenumbers
from django import forms
from django.conf import settings
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


# A mobile number as people in the practice's region write it. libphonenumber's own example for
# Zimbabwe (+263 71 234 5678) is a NetOne number; most patients are on Econet (077/078).
PHONE_EXAMPLES = {"ZW": "+263 77 123 4567"}


def phone_region() -> str:
    """The region a number without "+country code" is read in (PHONE_DEFAULT_REGION, ZW by default)."""
    return (settings.PHONENUMBER_DEFAULT_REGION or "ZW").upper()


def phone_example(region: str | None = None) -> str:
    region = (region or phone_region()).upper()
    if region in PHONE_EXAMPLES:
        return PHONE_EXAMPLES[region]
    number = phonenumbers.example_number_for_type(region, phonenumbers.PhoneNumberType.MOBILE)
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL) if number else ""


def _phone_field(*, help_text: str) -> PhoneNumberField:
    example = phone_example()
    return PhoneNumberField(
        required=False,
        region=phone_region(),
        help_text=f"{help_text}, e.g. {example}." if example else f"{help_text}.",
        widget=forms.TextInput(attrs={"autocomplete": "tel", "inputmode": "tel", "placeholder": example}),
    )


class SignupForm(forms.Form):
    """Extra signup fields, mixed into allauth's signup form (ACCOUNT_SIGNUP_FORM_CLASS).

    Only "patient" and "doctor" exist as choices, so no posted value can make staff.
    """

    ACCOUNT_TYPES = [("patient", "I am a patient"), ("doctor", "I am a referring doctor")]

    account_type = forms.ChoiceField(choices=ACCOUNT_TYPES, initial="patient",
                                     widget=forms.RadioSelect(attrs={"class": "form-check-input"}))
    first_name = forms.CharField(max_length=150, widget=forms.TextInput(attrs={"autocomplete": "given-name"}))
    last_name = forms.CharField(max_length=150, widget=forms.TextInput(attrs={"autocomplete": "family-name"}))
    date_of_birth = forms.DateField(
        required=False, widget=forms.DateInput(attrs={"type": "date", "autocomplete": "bday"})
    )
    practice_number = forms.CharField(
        max_length=40, required=False, help_text="Referring doctors: your practice number."
    )
    practice_name = forms.CharField(max_length=200, required=False, help_text="Referring doctors: practice name.")

    DOCTOR_FIELDS = ("practice_number", "practice_name")

    field_order = ["account_type", "first_name", "last_name", "email", "phone", "date_of_birth",
                   "practice_number", "practice_name", "password1", "password2"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Built per form, so the region and its example follow the setting.
        self.fields["phone"] = _phone_field(help_text="Mobile number for SMS reminders")
        self.order_fields(self.field_order)

    @property
    def is_doctor(self) -> bool:
        """The choice as posted (or the initial one): shows or hides the doctor-only fields."""
        return self["account_type"].value() == "doctor"

    def clean_date_of_birth(self):
        return _validate_birth_date(self.cleaned_data.get("date_of_birth"))

    def clean_practice_number(self):
        return (self.cleaned_data.get("practice_number") or "").strip().upper()

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("account_type") != "doctor":
            # Hidden for patients: whatever a browser filled in there is ignored, never an error
            # on a field the patient cannot see.
            for name in self.DOCTOR_FIELDS:
                self._errors.pop(name, None)
                cleaned[name] = ""
            return cleaned
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
            "phone": forms.TextInput(attrs={"autocomplete": "tel", "inputmode": "tel", "placeholder": phone_example()}),
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

from __future__ import annotations

import datetime as dt

from django import forms
from django.utils.dateparse import parse_datetime

from portal.booking import screening
from portal.booking.models import Appointment, Room
from portal.catalogue.models import Modality
from portal.catalogue.selectors import scheme_list_active


def parse_slot(value: str) -> dt.datetime | None:
    """An ISO start time as posted by the slot picker; None unless it is aware."""
    try:
        parsed = parse_datetime((value or "").strip())
    except ValueError:
        return None
    if parsed is None or parsed.tzinfo is None:
        return None
    return parsed.astimezone(dt.UTC)


class SlotForm(forms.Form):
    start = forms.CharField(error_messages={"required": "Please choose a time."})

    def clean_start(self) -> dt.datetime:
        start = parse_slot(self.cleaned_data["start"])
        if start is None:
            raise forms.ValidationError("Please choose one of the times shown.")
        return start


class ScreeningForm(forms.Form):
    """One radio group per question the scan needs."""

    def __init__(self, *args, kinds: list[str], **kwargs):
        super().__init__(*args, **kwargs)
        for question in screening.questions_for(kinds):
            self.fields[question.key] = forms.ChoiceField(
                label=question.text, help_text=question.help, choices=screening.ANSWERS,
                widget=forms.RadioSelect, error_messages={"required": "Please answer this question."},
            )


class PaymentForm(forms.Form):
    SELF_PAY, MEDICAL_AID = "self", "aid"
    method = forms.ChoiceField(
        label="How will you pay?", widget=forms.RadioSelect,
        choices=[(MEDICAL_AID, "With my medical aid"), (SELF_PAY, "I'll pay myself (self-pay)")],
    )
    plan = forms.TypedChoiceField(label="Medical aid and plan", coerce=int, required=False, empty_value=None)
    member_number = forms.CharField(label="Member number", max_length=40, required=False)
    save_membership = forms.BooleanField(label="Remember my medical aid for next time", required=False, initial=True)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        choices: list = [("", "Choose your medical aid plan")]
        for scheme in scheme_list_active():
            plans = [(plan.pk, plan.name) for plan in scheme.plans.all()]
            if plans:
                choices.append((scheme.name, plans))
        self.fields["plan"].choices = choices

    def clean(self):
        data = super().clean()
        if data.get("method") == self.MEDICAL_AID:
            if not data.get("plan"):
                self.add_error("plan", "Please choose your medical aid plan.")
            if not (data.get("member_number") or "").strip():
                self.add_error("member_number", "Please give your member number.")
        return data


class CancelForm(forms.Form):
    reason = forms.CharField(
        label="Why are you cancelling?", max_length=300,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": "Please give a reason for the cancellation."},
    )

    def clean_reason(self) -> str:
        reason = self.cleaned_data["reason"].strip()
        if not reason:
            raise forms.ValidationError("Please give a reason for the cancellation.")
        return reason


class PatientSearchForm(forms.Form):
    q = forms.CharField(label="Name or email", required=False, max_length=100)
    dob = forms.DateField(label="Date of birth", required=False, widget=forms.DateInput(attrs={"type": "date"}))


class WorklistFilterForm(forms.Form):
    date = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date", "class": "form-control"}))
    room = forms.ModelChoiceField(
        queryset=Room.objects.filter(active=True), required=False, empty_label="All rooms",
        widget=forms.Select(attrs={"class": "form-select"}),
    )
    modality = forms.ChoiceField(
        choices=[("", "All modalities"), *Modality.choices], required=False,
        widget=forms.Select(attrs={"class": "form-select"}),
    )
    status = forms.ChoiceField(
        choices=[("", "All statuses"), *Appointment.Status.choices, ("review", "Safety review needed")],
        required=False, widget=forms.Select(attrs={"class": "form-select"}),
    )


class MoveForm(forms.Form):
    room = forms.ModelChoiceField(queryset=Room.objects.none(), label="Room")
    start = forms.CharField(error_messages={"required": "Please choose a time."})

    def __init__(self, *args, modality: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["room"].queryset = Room.objects.filter(modality=modality, active=True)

    def clean_start(self) -> dt.datetime:
        start = parse_slot(self.cleaned_data["start"])
        if start is None:
            raise forms.ValidationError("Please choose one of the times shown.")
        return start

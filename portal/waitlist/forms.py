from __future__ import annotations

import datetime as dt

from django import forms
from django.utils import timezone

from portal.waitlist.models import WaitlistEntry


class JoinForm(forms.Form):
    earliest = forms.DateField(label="From", widget=forms.DateInput(attrs={"type": "date"}))
    latest = forms.DateField(label="Until", widget=forms.DateInput(attrs={"type": "date"}))
    time_of_day = forms.ChoiceField(label="Times that suit you", choices=WaitlistEntry.TimeOfDay.choices,
                                    initial=WaitlistEntry.TimeOfDay.ANY)

    def clean(self):
        data = super().clean()
        earliest, latest = data.get("earliest"), data.get("latest")
        if earliest and earliest < timezone.localdate():
            self.add_error("earliest", "The first day cannot be in the past.")
        if earliest and latest and latest < earliest:
            self.add_error("latest", "The last day cannot be before the first day.")
        return data

    @classmethod
    def initial_for(cls, *, before: dt.date | None = None) -> dict:
        today = timezone.localdate()
        latest = before - dt.timedelta(days=1) if before else today + dt.timedelta(days=14)
        return {"earliest": today + dt.timedelta(days=1), "latest": max(latest, today + dt.timedelta(days=1))}


class OfferByHandForm(forms.Form):
    start = forms.DateTimeField(widget=forms.HiddenInput)

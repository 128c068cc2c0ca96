"""The filters every analytics page reads from its query string: date range, modality, grouping."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace
from urllib.parse import urlencode

from django import forms
from django.utils import timezone

from portal.catalogue.models import Modality
from portal.core.clock import practice_tz

MAX_RANGE_DAYS = 5 * 366
DEFAULT_RANGE_DAYS = 365


@dataclass(frozen=True)
class Filters:
    start: dt.date
    end: dt.date  # inclusive
    modality: str = ""
    period: str = "week"

    @property
    def start_at(self) -> dt.datetime:
        return _local_midnight(self.start)

    @property
    def end_before(self) -> dt.datetime:
        return _local_midnight(self.end + dt.timedelta(days=1))

    def querystring(self, **changes) -> str:
        chosen = replace(self, **changes) if changes else self
        params = {"start": chosen.start.isoformat(), "end": chosen.end.isoformat(), "period": chosen.period}
        if chosen.modality:
            params["modality"] = chosen.modality
        return urlencode(params)

    @property
    def modality_label(self) -> str:
        return Modality(self.modality).label if self.modality else "All modalities"


def _local_midnight(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min), practice_tz())


def default_filters(today: dt.date | None = None) -> Filters:
    today = today or timezone.localdate()
    return Filters(start=today - dt.timedelta(days=DEFAULT_RANGE_DAYS - 1), end=today)


class FilterForm(forms.Form):
    start = forms.DateField(required=False, label="From",
                            widget=forms.DateInput(format="%Y-%m-%d", attrs={"type": "date", "class": "form-control"}))
    end = forms.DateField(required=False, label="To",
                          widget=forms.DateInput(format="%Y-%m-%d", attrs={"type": "date", "class": "form-control"}))
    modality = forms.ChoiceField(required=False, choices=[("", "All modalities"), *Modality.choices],
                                 widget=forms.Select(attrs={"class": "form-select"}))
    period = forms.ChoiceField(
        required=False, label="Group by", choices=[("day", "Day"), ("week", "Week"), ("month", "Month")],
        widget=forms.Select(attrs={"class": "form-select"}),
    )

    def clean(self):
        data = super().clean()
        start, end = data.get("start"), data.get("end")
        if start and end:
            if end < start:
                raise forms.ValidationError("The end date must not be before the start date.")
            if (end - start).days > MAX_RANGE_DAYS:
                raise forms.ValidationError(f"Choose a range of at most {MAX_RANGE_DAYS} days.")
        return data


def parse_filters(query, today: dt.date | None = None) -> tuple[Filters, FilterForm, list[str]]:
    """Filters from a query string. Bad input falls back to the defaults with messages saying why."""
    defaults = default_filters(today)
    form = FilterForm(query or None)
    errors: list[str] = []
    if not query:
        form = FilterForm(initial=_initial(defaults))
        return defaults, form, errors
    if not form.is_valid():
        for field, messages in form.errors.items():
            label = form.fields[field].label if field in form.fields else ""
            for message in messages:
                errors.append(f"{label}: {message}" if label else str(message))
        errors.append("Showing the default filters instead.")
        return defaults, FilterForm(initial=_initial(defaults)), errors
    data = form.cleaned_data
    start = data.get("start") or defaults.start
    end = data.get("end") or defaults.end
    if end < start:
        errors.append("The end date must not be before the start date. Showing the default filters instead.")
        return defaults, FilterForm(initial=_initial(defaults)), errors
    filters = Filters(start=start, end=end, modality=data.get("modality") or "", period=data.get("period") or "week")
    return filters, FilterForm(initial=_initial(filters)), errors


def _initial(filters: Filters) -> dict:
    return {"start": filters.start, "end": filters.end, "modality": filters.modality, "period": filters.period}

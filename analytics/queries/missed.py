"""Missed appointments (no-shows): by weekday and hour, lead time, modality, age band and period."""

from __future__ import annotations

import datetime as dt

import pandas as pd
from django.db.models import Count, Q, QuerySet, Value
from django.utils import timezone

from analytics.filters import Filters
from analytics.queries.base import (
    OUTCOME_STATUSES,
    S,
    appointments,
    frame,
)
from analytics.sql import SecondsBetween, local_hour, local_period, local_weekday
from portal.booking.models import Appointment

# --- Missed appointments ------------------------------------------------------------------------


def _outcomes(filters: Filters) -> QuerySet:
    return Appointment.objects.filter(appointments(filters), status__in=OUTCOME_STATUSES, start__lt=timezone.now())


_MISSED = {"appointments": Count("id"), "no_shows": Count("id", filter=Q(status=S.NO_SHOW))}


def _with_rate(df: pd.DataFrame) -> pd.DataFrame:
    df["no_show_rate"] = (df["no_shows"] / df["appointments"]).astype(float)
    return df


def missed_heatmap(filters: Filters) -> pd.DataFrame:
    rows = (
        _outcomes(filters).annotate(weekday=local_weekday("start"), hour=local_hour("start"))
        .values("weekday", "hour").annotate(**_MISSED).order_by("weekday", "hour")
        .values_list("weekday", "hour", "appointments", "no_shows")
    )
    return _with_rate(frame(rows, ["weekday", "hour", "appointments", "no_shows"]))


LEAD_BANDS = [(0, 1, "0-1 days"), (2, 7, "2-7 days"), (8, 14, "8-14 days"), (15, 30, "15-30 days"),
              (31, None, "31+ days")]


def missed_by_lead_time(filters: Filters) -> pd.DataFrame:
    from django.db.models import Case, CharField, When

    days = SecondsBetween("requested_at", "start") / 86400.0
    whens = [When(lead__lt=high + 1, then=Value(label)) for _, high, label in LEAD_BANDS if high is not None]
    rows = (
        _outcomes(filters).annotate(lead=days)
        .annotate(band=Case(*whens, default=Value(LEAD_BANDS[-1][2]), output_field=CharField()))
        .values("band").annotate(**_MISSED).values_list("band", "appointments", "no_shows")
    )
    df = frame(rows, ["lead_time", "appointments", "no_shows"])
    order = {label: i for i, (_, _, label) in enumerate(LEAD_BANDS)}
    df = df.sort_values("lead_time", key=lambda s: s.map(order)).reset_index(drop=True)
    return _with_rate(df)


def missed_by_modality(filters: Filters) -> pd.DataFrame:
    rows = (
        _outcomes(filters).values("scan_type__modality").annotate(**_MISSED).order_by("scan_type__modality")
        .values_list("scan_type__modality", "appointments", "no_shows")
    )
    from portal.catalogue.models import Modality

    df = frame(rows, ["modality", "appointments", "no_shows"])
    df.insert(1, "label", [Modality(v).label if v in Modality.values else v for v in df["modality"]])
    return _with_rate(df)


AGE_BANDS = [(0, 17, "0-17"), (18, 29, "18-29"), (30, 44, "30-44"), (45, 64, "45-64"), (65, None, "65+")]


def _years_ago(today: dt.date, years: int) -> dt.date:
    try:
        return today.replace(year=today.year - years)
    except ValueError:  # 29 February
        return today.replace(year=today.year - years, day=28)


def age_band_case(today: dt.date, field: str = "patient__date_of_birth"):
    """A CASE giving the patient's age band today, from their date of birth (unknown when empty)."""
    from django.db.models import Case, CharField, When

    whens = []
    for low, _high, label in reversed(AGE_BANDS):
        # age >= low  <=>  born on or before today minus `low` years
        whens.append(When(**{f"{field}__lte": _years_ago(today, low), "then": Value(label)}))
    return Case(*whens, default=Value("unknown"), output_field=CharField())


def missed_by_age_band(filters: Filters) -> pd.DataFrame:
    rows = (
        _outcomes(filters).annotate(band=age_band_case(timezone.localdate())).values("band")
        .annotate(**_MISSED).values_list("band", "appointments", "no_shows")
    )
    df = frame(rows, ["age_band", "appointments", "no_shows"])
    order = {label: i for i, (_, _, label) in enumerate(AGE_BANDS)}
    df = df.sort_values("age_band", key=lambda s: s.map(order).fillna(99)).reset_index(drop=True)
    return _with_rate(df)


def missed_by_period(filters: Filters) -> pd.DataFrame:
    rows = (
        _outcomes(filters).annotate(period=local_period("start", filters.period)).values("period")
        .annotate(**_MISSED).order_by("period").values_list("period", "appointments", "no_shows")
    )
    df = frame(rows, ["period", "appointments", "no_shows"])
    df["period"] = pd.to_datetime(df["period"])
    return _with_rate(df)

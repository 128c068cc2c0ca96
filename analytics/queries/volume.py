"""The dashboard's figures and the appointment volumes (per period, by status, by modality)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pandas as pd
from django.db.models import Avg, Count, Q
from django.utils import timezone

from analytics.filters import Filters
from analytics.queries.base import (
    OUTCOME_STATUSES,
    ZERO,
    S,
    appointments,
    dashboard_days,
    modality_q,
    rate,
)
from analytics.queries.feedback import nps
from analytics.queries.money import NET
from analytics.queries.turnaround import turnaround_percentiles
from portal.booking.models import Appointment
from portal.feedback.models import Feedback
from portal.payments import selectors as payment_selectors

# --- Dashboard ---------------------------------------------------------------------------------


def key_figures(filters: Filters, *, now: dt.datetime | None = None) -> dict:
    """The dashboard's figures. Appointments today/this week/this month count every booking that is
    not cancelled; revenue is paid money minus refunds, by payment date, month to date; the rates
    cover the filter's range."""
    now = timezone.localtime(now or timezone.now())
    today = now.replace(hour=0, minute=0, second=0, microsecond=0)
    week_start = today - dt.timedelta(days=today.weekday())
    month_start = today.replace(day=1)
    next_month = (month_start + dt.timedelta(days=32)).replace(day=1)
    week_end = week_start + dt.timedelta(days=7)

    # Whole days from the day counts; today's outcomes only up to now (a check-in before the start time
    # is not yet an outcome).
    df, in_range = dashboard_days(filters, today.date())
    day = df["day"].dt.date
    booked = df["status"] != S.CANCELLED

    def total(mask) -> int:
        return int(df.loc[mask, "appointments"].sum())

    outcome = df["status"].isin(OUTCOME_STATUSES)
    no_show = df["status"] == S.NO_SHOW
    before_today = in_range & (day < today.date())
    outcomes, no_shows = total(before_today & outcome), total(before_today & no_show)
    if filters.start <= today.date() <= filters.end:
        so_far = Appointment.objects.filter(modality_q(filters), start__gte=today, start__lt=now).aggregate(
            outcomes=Count("id", filter=Q(status__in=OUTCOME_STATUSES)),
            no_shows=Count("id", filter=Q(status=S.NO_SHOW)),
        )
        outcomes, no_shows = outcomes + so_far["outcomes"], no_shows + so_far["no_shows"]
    counts = {
        "today": total(booked & (day == today.date())),
        "week": total(booked & (day >= week_start.date()) & (day < week_end.date())),
        "month": total(booked & (day >= month_start.date()) & (day < next_month.date())),
        "outcomes": outcomes,
        "no_shows": no_shows,
    }
    revenue = payment_selectors.payments_received().filter(
        modality_q(filters, "appointment__"), paid_at__gte=month_start, paid_at__lt=now
    ).aggregate(net=NET)["net"] or ZERO
    fb = Feedback.objects.filter(appointments(filters, prefix="appointment__")).aggregate(
        n=Count("id"), rating=Avg("overall"),
        promoters=Count("id", filter=Q(recommend__gte=9)), detractors=Count("id", filter=Q(recommend__lte=6)),
    )
    turnaround = turnaround_percentiles(filters)
    median_hours = None
    if not turnaround.empty:
        median_hours = float(turnaround.loc[0, "p50_hours"])
    return {
        "today": counts["today"],
        "week": counts["week"],
        "month": counts["month"],
        "revenue_mtd": Decimal(revenue).quantize(Decimal("0.01")),
        "no_show_rate": rate(counts["no_shows"], counts["outcomes"]),
        "no_shows": counts["no_shows"],
        "outcomes": counts["outcomes"],
        "average_rating": fb["rating"],
        "feedback_count": fb["n"],
        "nps": nps(fb["promoters"], fb["detractors"], fb["n"]),
        "median_turnaround_hours": median_hours,
    }


def _period_start(days: pd.Series, period: str) -> pd.Series:
    if period == "week":
        return days - pd.to_timedelta(days.dt.day_of_week, unit="D")
    if period == "month":
        return days.dt.to_period("M").dt.start_time
    return days


def volume_by_period(filters: Filters) -> pd.DataFrame:
    """Appointments (not cancelled) and no-shows per day, week or month of their start."""
    df, in_range = dashboard_days(filters, timezone.localdate())
    df = df[in_range & (df["status"] != S.CANCELLED)]
    df = df.assign(period=_period_start(df["day"], filters.period),
                   no_shows=df["appointments"].where(df["status"] == S.NO_SHOW, 0))
    out = df.groupby("period", sort=True)[["appointments", "no_shows"]].sum().reset_index()
    return out.astype({"appointments": int, "no_shows": int})


def status_mix(filters: Filters) -> pd.DataFrame:
    df, in_range = dashboard_days(filters, timezone.localdate())
    df = df[in_range].groupby("status", sort=True)["appointments"].sum().reset_index()
    df["label"] = [S(value).label for value in df["status"]]
    return df.sort_values("appointments", ascending=False, kind="stable").reset_index(drop=True)


def modality_mix(filters: Filters) -> pd.DataFrame:
    from portal.catalogue.models import Modality

    df, in_range = dashboard_days(filters, timezone.localdate())
    df = df[in_range & (df["status"] != S.CANCELLED)].groupby("modality", sort=True)["appointments"].sum()
    df = df.reset_index()
    df["label"] = [Modality(value).label if value in Modality.values else value for value in df["modality"]]
    return df.sort_values("appointments", ascending=False, kind="stable").reset_index(drop=True)

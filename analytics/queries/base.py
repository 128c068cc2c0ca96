"""What every subject's queries share: the filter's Q, the shared-results block, the day counts
read from the daily summary, and the statuses counted as outcomes."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from decimal import Decimal

import pandas as pd
from django.db.models import Q, Sum

from analytics.filters import Filters
from portal.booking.models import Appointment

S = Appointment.Status
# Appointments that happened or were missed: the denominator of the no-show rate.
OUTCOME_STATUSES = (S.CHECKED_IN, S.COMPLETED, S.NO_SHOW)
ZERO = Decimal("0.00")


def appointments(filters: Filters, *, prefix: str = "") -> Q:
    """Q for appointments that start in the filter's range (and have its modality)."""
    q = Q(**{f"{prefix}start__gte": filters.start_at, f"{prefix}start__lt": filters.end_before})
    if filters.modality:
        q &= Q(**{f"{prefix}scan_type__modality": filters.modality})
    return q


def modality_q(filters: Filters, prefix: str = "") -> Q:
    return Q(**{f"{prefix}scan_type__modality": filters.modality}) if filters.modality else Q()


def frame(rows, columns: list[str]) -> pd.DataFrame:
    return pd.DataFrame(list(rows), columns=columns)


def rate(part: float, whole: float) -> float | None:
    return None if not whole else part / whole


_shared: ContextVar[dict | None] = ContextVar("analytics_shared_results", default=None)


@contextmanager
def shared_results() -> Iterator[None]:
    """Within this block, a query asked twice with the same arguments runs once (one page's tables and
    figures share the appointments-per-day counts)."""
    if _shared.get() is not None:  # already sharing: one block for the whole page
        yield
        return
    token = _shared.set({})
    try:
        yield
    finally:
        _shared.reset(token)


def _once(key: tuple, compute: Callable[[], pd.DataFrame]) -> pd.DataFrame:
    results = _shared.get()
    if results is None:
        return compute()
    if key not in results:
        results[key] = compute()
    return results[key].copy()


def day_counts(first: dt.date, last: dt.date, modality: str = "") -> pd.DataFrame:
    """Appointments per local day, status and modality from `first` to `last` (inclusive), read from
    the daily summary table (analytics.summary keeps it with every appointment change): one
    GROUP BY over a few rows per day instead of over every appointment."""
    from analytics.models import DailyAppointmentSummary

    def compute() -> pd.DataFrame:
        qs = DailyAppointmentSummary.objects.filter(day__gte=first, day__lte=last)
        if modality:
            qs = qs.filter(modality=modality)
        rows = qs.values("day", "status", "modality").annotate(n=Sum("appointments")).order_by().values_list(
            "day", "status", "modality", "n")
        df = frame(rows, ["day", "status", "modality", "appointments"])
        df["day"] = pd.to_datetime(df["day"])
        return df.astype({"appointments": "int64"})[["day", "status", "appointments", "modality"]]

    return _once(("day_counts", first, last, modality), compute)


def dashboard_days(filters: Filters, today: dt.date) -> tuple[pd.DataFrame, pd.Series]:
    """The day counts the dashboard needs (this month, this week and the filter's range, in one
    query), and the mask of the rows in the filter's range."""
    week_start = today - dt.timedelta(days=today.weekday())
    month_start = today.replace(day=1)
    month_end = (month_start + dt.timedelta(days=32)).replace(day=1) - dt.timedelta(days=1)
    first = min(month_start, week_start, filters.start)
    last = max(month_end, week_start + dt.timedelta(days=6), filters.end)
    df = day_counts(first, last, filters.modality)
    in_range = (df["day"] >= pd.Timestamp(filters.start)) & (df["day"] <= pd.Timestamp(filters.end))
    return df, in_range

"""Read-only aggregates for the analytics pages.

Every function runs GROUP BY queries through the ORM and returns a small pandas DataFrame (or a
dict of figures). None of them loads appointment rows to count them.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from decimal import Decimal

import pandas as pd
from django.db import connection
from django.db.models import Aggregate, Avg, Count, F, FloatField, OuterRef, Q, QuerySet, Sum, Value, Window
from django.db.models.functions import Coalesce, RowNumber
from django.utils import timezone

from analytics.filters import Filters
from analytics.sql import SecondsBetween, local_hour, local_period, local_weekday
from portal.booking.models import Appointment
from portal.feedback.models import Feedback
from portal.payments import selectors as payment_selectors
from portal.payments.models import Payment
from portal.reports import selectors as report_selectors

S = Appointment.Status
# Appointments that happened or were missed: the denominator of the no-show rate.
OUTCOME_STATUSES = (S.CHECKED_IN, S.COMPLETED, S.NO_SHOW)
# Payments that brought money in (their refunds are subtracted): the payments app's definition.
MONEY_IN_STATUSES = payment_selectors.RECEIVED_STATUSES
ZERO = Decimal("0.00")
# Revenue: money received net of refunds, as the payments app defines it.
NET = Sum(payment_selectors.NET_RECEIVED)


def appointments(filters: Filters, *, prefix: str = "") -> Q:
    """Q for appointments that start in the filter's range (and have its modality)."""
    q = Q(**{f"{prefix}start__gte": filters.start_at, f"{prefix}start__lt": filters.end_before})
    if filters.modality:
        q &= Q(**{f"{prefix}scan_type__modality": filters.modality})
    return q


def _modality(filters: Filters, prefix: str = "") -> Q:
    return Q(**{f"{prefix}scan_type__modality": filters.modality}) if filters.modality else Q()


def _frame(rows, columns: list[str]) -> pd.DataFrame:
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
        df = _frame(rows, ["day", "status", "modality", "appointments"])
        df["day"] = pd.to_datetime(df["day"])
        return df.astype({"appointments": "int64"})[["day", "status", "appointments", "modality"]]

    return _once(("day_counts", first, last, modality), compute)


def _dashboard_days(filters: Filters, today: dt.date) -> tuple[pd.DataFrame, pd.Series]:
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
    df, in_range = _dashboard_days(filters, today.date())
    day = df["day"].dt.date
    booked = df["status"] != S.CANCELLED

    def total(mask) -> int:
        return int(df.loc[mask, "appointments"].sum())

    outcome = df["status"].isin(OUTCOME_STATUSES)
    no_show = df["status"] == S.NO_SHOW
    before_today = in_range & (day < today.date())
    outcomes, no_shows = total(before_today & outcome), total(before_today & no_show)
    if filters.start <= today.date() <= filters.end:
        so_far = Appointment.objects.filter(_modality(filters), start__gte=today, start__lt=now).aggregate(
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
        _modality(filters, "appointment__"), paid_at__gte=month_start, paid_at__lt=now
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


def nps(promoters: int, detractors: int, total: int) -> float | None:
    """Net Promoter Score: % promoters (9-10) minus % detractors (0-6)."""
    return None if not total else 100.0 * (promoters - detractors) / total


def _period_start(days: pd.Series, period: str) -> pd.Series:
    if period == "week":
        return days - pd.to_timedelta(days.dt.day_of_week, unit="D")
    if period == "month":
        return days.dt.to_period("M").dt.start_time
    return days


def volume_by_period(filters: Filters) -> pd.DataFrame:
    """Appointments (not cancelled) and no-shows per day, week or month of their start."""
    df, in_range = _dashboard_days(filters, timezone.localdate())
    df = df[in_range & (df["status"] != S.CANCELLED)]
    df = df.assign(period=_period_start(df["day"], filters.period),
                   no_shows=df["appointments"].where(df["status"] == S.NO_SHOW, 0))
    out = df.groupby("period", sort=True)[["appointments", "no_shows"]].sum().reset_index()
    return out.astype({"appointments": int, "no_shows": int})


def status_mix(filters: Filters) -> pd.DataFrame:
    df, in_range = _dashboard_days(filters, timezone.localdate())
    df = df[in_range].groupby("status", sort=True)["appointments"].sum().reset_index()
    df["label"] = [S(value).label for value in df["status"]]
    return df.sort_values("appointments", ascending=False, kind="stable").reset_index(drop=True)


def modality_mix(filters: Filters) -> pd.DataFrame:
    from portal.catalogue.models import Modality

    df, in_range = _dashboard_days(filters, timezone.localdate())
    df = df[in_range & (df["status"] != S.CANCELLED)].groupby("modality", sort=True)["appointments"].sum()
    df = df.reset_index()
    df["label"] = [Modality(value).label if value in Modality.values else value for value in df["modality"]]
    return df.sort_values("appointments", ascending=False, kind="stable").reset_index(drop=True)


# --- Revenue ------------------------------------------------------------------------------------


def _money_in(filters: Filters) -> QuerySet:
    q = Q(paid_at__gte=filters.start_at, paid_at__lt=filters.end_before)
    return payment_selectors.payments_received().filter(q, _modality(filters, "appointment__"))



def revenue_by_period(filters: Filters) -> pd.DataFrame:
    rows = (
        _money_in(filters).annotate(period=local_period("paid_at", filters.period)).values("period")
        .annotate(net=NET, payments=Count("id")).order_by("period").values_list("period", "net", "payments")
    )
    df = _frame(rows, ["period", "net", "payments"])
    df["period"] = pd.to_datetime(df["period"])
    df["net"] = df["net"].astype(float)
    return df


def revenue_by_scan_type(filters: Filters) -> pd.DataFrame:
    rows = (
        _money_in(filters).values("appointment__scan_type__name").annotate(net=NET, payments=Count("id"))
        .order_by("-net").values_list("appointment__scan_type__name", "net", "payments")
    )
    df = _frame(rows, ["scan_type", "net", "payments"])
    df["net"] = df["net"].astype(float)
    return df


def revenue_by_method(filters: Filters) -> pd.DataFrame:
    rows = (
        _money_in(filters).values("method").annotate(net=NET, payments=Count("id")).order_by("-net")
        .values_list("method", "net", "payments")
    )
    df = _frame(rows, ["method", "net", "payments"])
    df["label"] = [Payment.Method(value).label for value in df["method"]]
    df["net"] = df["net"].astype(float)
    return df


def cover_split_by_period(filters: Filters) -> pd.DataFrame:
    """What medical aids cover against what patients pay, for completed appointments."""
    rows = (
        Appointment.objects.filter(appointments(filters), status=S.COMPLETED)
        .annotate(period=local_period("start", filters.period)).values("period")
        .annotate(medical_aid=Sum("covered_amount"), patient=Sum("patient_amount"), appointments=Count("id"))
        .order_by("period").values_list("period", "medical_aid", "patient", "appointments")
    )
    df = _frame(rows, ["period", "medical_aid", "patient", "appointments"])
    df["period"] = pd.to_datetime(df["period"])
    for column in ("medical_aid", "patient"):
        df[column] = df[column].astype(float)
    return df


def outstanding_by_period(filters: Filters) -> pd.DataFrame:
    """Completed appointments whose patient share is not fully paid, per period of the visit."""
    from django.db.models import DecimalField, Subquery

    paid = (
        Payment.objects.filter(appointment=OuterRef("pk"), status__in=MONEY_IN_STATUSES)
        .exclude(method=Payment.Method.MEDICAL_AID_CLAIM).values("appointment")
        .annotate(total=NET).values("total")
    )
    rows = (
        Appointment.objects.filter(appointments(filters), status=S.COMPLETED)
        .annotate(paid=Coalesce(Subquery(paid, output_field=DecimalField()), Value(ZERO)))
        .annotate(balance=F("patient_amount") - F("paid")).filter(balance__gt=0)
        .annotate(period=local_period("start", filters.period)).values("period")
        .annotate(appointments=Count("id"), outstanding=Sum("balance"))
        .order_by("period").values_list("period", "appointments", "outstanding")
    )
    df = _frame(rows, ["period", "appointments", "outstanding"])
    df["period"] = pd.to_datetime(df["period"])
    df["outstanding"] = df["outstanding"].astype(float)
    return df


# --- Feedback -----------------------------------------------------------------------------------


def _feedback(filters: Filters) -> QuerySet:
    return Feedback.objects.filter(appointments(filters, prefix="appointment__"))


def rating_distribution(filters: Filters) -> pd.DataFrame:
    counts = dict(_feedback(filters).values("overall").annotate(n=Count("id")).values_list("overall", "n"))
    return pd.DataFrame({"rating": list(range(1, 6)), "responses": [counts.get(r, 0) for r in range(1, 6)]})


def nps_by_period(filters: Filters) -> pd.DataFrame:
    rows = (
        _feedback(filters).annotate(period=local_period("appointment__start", filters.period)).values("period")
        .annotate(responses=Count("id"), promoters=Count("id", filter=Q(recommend__gte=9)),
                  detractors=Count("id", filter=Q(recommend__lte=6)), rating=Avg("overall"))
        .order_by("period").values_list("period", "responses", "promoters", "detractors", "rating")
    )
    df = _frame(rows, ["period", "responses", "promoters", "detractors", "rating"])
    df["period"] = pd.to_datetime(df["period"])
    df["nps"] = (100.0 * (df["promoters"] - df["detractors"]) / df["responses"]).astype(float)
    df["rating"] = df["rating"].astype(float)
    return df


def comments(filters: Filters, *, rating: int | None = None, limit: int = 50) -> pd.DataFrame:
    qs = _feedback(filters).exclude(comments="")
    if rating:
        qs = qs.filter(overall=rating)
    rows = qs.order_by("-created_at").values_list(
        "created_at", "overall", "recommend", "appointment__scan_type__name", "comments"
    )[:limit]
    df = _frame(rows, ["created_at", "rating", "recommend", "scan_type", "comments"])
    if not df.empty:
        df["created_at"] = pd.to_datetime(df["created_at"], utc=True).dt.tz_convert(timezone.get_current_timezone())
    return df


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
    return _with_rate(_frame(rows, ["weekday", "hour", "appointments", "no_shows"]))


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
    df = _frame(rows, ["lead_time", "appointments", "no_shows"])
    order = {label: i for i, (_, _, label) in enumerate(LEAD_BANDS)}
    df = df.sort_values("lead_time", key=lambda s: s.map(order)).reset_index(drop=True)
    return _with_rate(df)


def missed_by_modality(filters: Filters) -> pd.DataFrame:
    rows = (
        _outcomes(filters).values("scan_type__modality").annotate(**_MISSED).order_by("scan_type__modality")
        .values_list("scan_type__modality", "appointments", "no_shows")
    )
    from portal.catalogue.models import Modality

    df = _frame(rows, ["modality", "appointments", "no_shows"])
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
    df = _frame(rows, ["age_band", "appointments", "no_shows"])
    order = {label: i for i, (_, _, label) in enumerate(AGE_BANDS)}
    df = df.sort_values("age_band", key=lambda s: s.map(order).fillna(99)).reset_index(drop=True)
    return _with_rate(df)


def missed_by_period(filters: Filters) -> pd.DataFrame:
    rows = (
        _outcomes(filters).annotate(period=local_period("start", filters.period)).values("period")
        .annotate(**_MISSED).order_by("period").values_list("period", "appointments", "no_shows")
    )
    df = _frame(rows, ["period", "appointments", "no_shows"])
    df["period"] = pd.to_datetime(df["period"])
    return _with_rate(df)


# --- Turnaround -----------------------------------------------------------------------------------


def first_signed_reports(filters: Filters) -> QuerySet:
    """The first signed version of each completed appointment's report, with `seconds` of turnaround.

    Signing stamps the turnaround (scan completed to signed, whole seconds) on version 1 only, the
    first signed version: an amendment is a later version and does not count again."""
    return report_selectors.first_signatures().filter(appointments(filters, prefix="appointment__")
                                                     ).annotate(seconds=F("turnaround_seconds"))


class PercentileCont(Aggregate):
    """PostgreSQL's ordered-set aggregate percentile_cont(fraction) WITHIN GROUP (ORDER BY value)."""

    function = "percentile_cont"
    template = "%(function)s(%(fraction)s) WITHIN GROUP (ORDER BY %(expressions)s)"
    output_field = FloatField()

    def __init__(self, expression, fraction: float, **extra):
        super().__init__(expression, fraction=repr(float(fraction)), **extra)


def percentiles(qs: QuerySet, *, value: str, group: str | None, ps: tuple[float, ...] = (0.5, 0.9)) -> pd.DataFrame:
    """Per-group percentiles (linear interpolation, PostgreSQL's percentile_cont) of `value`.

    PostgreSQL computes them itself. Elsewhere, without groups, a two-step histogram finds them
    (_percentiles_by_histogram); with groups the database numbers the values of each group in order
    (window functions) and returns only the at most two rows around each percentile, which are
    interpolated here: a group of a million values sends a few rows."""
    names = [f"p{round(p * 100)}" for p in ps]
    if connection.vendor == "postgresql":
        aggregates = {name: PercentileCont(value, p) for name, p in zip(names, ps, strict=True)}
        if group:
            rows = qs.order_by().values(group).annotate(n=Count("pk"), **aggregates).order_by(group)
            data = [(row[group], row["n"], *(row[name] for name in names)) for row in rows]
        else:
            row = qs.order_by().aggregate(n=Count("pk"), **aggregates)
            data = [(None, row["n"], *(row[name] for name in names))] if row["n"] else []
        return pd.DataFrame(data, columns=["group", "n", *names])
    if group is None:
        return _percentiles_by_histogram(qs, value=value, ps=ps)
    ranked = qs.order_by().values(group, value).annotate(
        rn=Window(RowNumber(), partition_by=[F(group)], order_by=F(value).asc()),
        cnt=Window(Count("pk"), partition_by=[F(group)]),
    )
    wanted = Q()
    for p in ps:
        # floor and ceil of 1 + p (n - 1), in integer arithmetic (native on every database)
        k = round(p * 100)
        wanted |= Q(rn=(F("cnt") - 1) * k / 100 + 1) | Q(rn=((F("cnt") - 1) * k + 99) / 100 + 1)
    rows = list(ranked.filter(wanted).values_list(group, "rn", "cnt", value))
    df = pd.DataFrame(rows, columns=["group", "rn", "cnt", "value"])
    result = []
    for key, part in df.groupby("group", dropna=False, sort=True):
        by_rank = dict(zip(part["rn"], part["value"], strict=True))
        n = int(part["cnt"].iloc[0])
        entry = {"group": key, "n": n}
        for name, p in zip(names, ps, strict=True):
            lo, hi, weight = _ranks(n, p)
            entry[name] = by_rank[lo] + weight * (by_rank[hi] - by_rank[lo])
        result.append(entry)
    return pd.DataFrame(result, columns=["group", "n", *names])


def _ranks(n: int, p: float) -> tuple[int, int, float]:
    """The 1-based ranks around percentile p of n values, and the weight of the upper one."""
    h = (n - 1) * p + 1
    return math.floor(h), math.ceil(h), h - math.floor(h)


def _percentiles_by_histogram(qs: QuerySet, *, value: str, ps: tuple[float, ...], width: int = 3600) -> pd.DataFrame:
    """Exact percentiles of a whole-number value without sorting every row (SQLite sorts to group or to
    number rows: at a million appointments that was half a second). Two aggregates: how many values
    fall in each bucket of `width`, then how many of each value in the buckets holding the wanted ranks
    (at most `width` rows each)."""
    names = [f"p{round(p * 100)}" for p in ps]
    base = qs.order_by()
    buckets = list(base.annotate(bucket=F(value) / width).values("bucket").annotate(n=Count("pk"))
                   .order_by("bucket").values_list("bucket", "n"))
    n = sum(count for _, count in buckets)
    if not n:
        return pd.DataFrame([], columns=["group", "n", *names])
    wanted = sorted({rank for p in ps for rank in _ranks(n, p)[:2]})
    before, located = 0, {}  # rank -> (bucket, rank within the bucket)
    for bucket, count in buckets:
        for rank in wanted:
            if before < rank <= before + count:
                located[rank] = (bucket, rank - before)
        before += count
    in_buckets = Q()
    for bucket in {bucket for bucket, _ in located.values()}:
        in_buckets |= Q(**{f"{value}__gte": bucket * width, f"{value}__lt": (bucket + 1) * width})
    counts = list(base.filter(in_buckets).values(value).annotate(n=Count("pk")).order_by(value)
                  .values_list(value, "n"))
    at_rank = {}
    for rank, (bucket, within) in located.items():
        seen = 0
        for v, count in counts:
            if bucket * width <= v < (bucket + 1) * width:
                seen += count
                if seen >= within:
                    at_rank[rank] = v
                    break
    entry = {"group": None, "n": n}
    for name, p in zip(names, ps, strict=True):
        lo, hi, weight = _ranks(n, p)
        entry[name] = at_rank[lo] + weight * (at_rank[hi] - at_rank[lo])
    return pd.DataFrame([entry], columns=["group", "n", *names])


def turnaround_percentiles(filters: Filters) -> pd.DataFrame:
    """Median and 90th percentile turnaround (hours) over the whole range."""
    df = percentiles(first_signed_reports(filters), value="seconds", group=None)
    return _hours(df)


def _hours(df: pd.DataFrame) -> pd.DataFrame:
    df["p50_hours"] = df["p50"] / 3600.0
    df["p90_hours"] = df["p90"] / 3600.0
    return df.drop(columns=["p50", "p90"])


def turnaround_by_radiologist(filters: Filters) -> pd.DataFrame:
    from portal.accounts.models import User

    df = _hours(percentiles(first_signed_reports(filters), value="seconds", group="radiologist_id"))
    ids = [int(i) for i in df["group"].dropna()]
    names = {u.pk: u.get_full_name() or f"Radiologist #{u.pk}" for u in User.objects.filter(pk__in=ids)}
    df.insert(0, "radiologist", [names.get(g, "Unknown") for g in df["group"]])
    return df.drop(columns=["group"]).sort_values("p50_hours").reset_index(drop=True)


def turnaround_by_period(filters: Filters) -> pd.DataFrame:
    qs = first_signed_reports(filters).annotate(period=local_period("appointment__start", filters.period))
    df = _hours(percentiles(qs, value="seconds", group="period"))
    df = df.rename(columns={"group": "period"})
    df["period"] = pd.to_datetime(df["period"])
    return df

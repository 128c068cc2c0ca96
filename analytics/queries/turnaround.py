"""Report turnaround (scan completed to first signature): percentiles overall, by radiologist, by period."""

from __future__ import annotations

import math

import pandas as pd
from django.db import connection
from django.db.models import Aggregate, Count, F, FloatField, Q, QuerySet, Window
from django.db.models.functions import RowNumber

from analytics.filters import Filters
from analytics.queries.base import (
    appointments,
)
from analytics.sql import local_period
from portal.reports import selectors as report_selectors

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

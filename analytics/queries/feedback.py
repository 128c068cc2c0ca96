"""Patient feedback: ratings, the Net Promoter Score per period, and the comments."""

from __future__ import annotations

import pandas as pd
from django.db.models import Avg, Count, Q, QuerySet

from analytics.filters import Filters
from analytics.queries.base import (
    appointments,
    frame,
)
from analytics.sql import local_period
from portal.core.clock import practice_tz
from portal.feedback.models import Feedback


def nps(promoters: int, detractors: int, total: int) -> float | None:
    """Net Promoter Score: % promoters (9-10) minus % detractors (0-6)."""
    return None if not total else 100.0 * (promoters - detractors) / total


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
    df = frame(rows, ["period", "responses", "promoters", "detractors", "rating"])
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
    df = frame(rows, ["created_at", "rating", "recommend", "scan_type", "comments"])
    if not df.empty:
        df["created_at"] = pd.to_datetime(df["created_at"], utc=True).dt.tz_convert(practice_tz())
    return df

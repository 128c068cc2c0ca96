"""Read-only aggregates for the analytics pages, one module per subject.

Every function runs GROUP BY queries through the ORM and returns a small pandas DataFrame (or a
dict of figures). None of them loads appointment rows to count them. The domain's definitions
(money received, net revenue, balance due, a report's first signature) come from the owning app's
selectors; nothing here retypes them.

    base        the filter's Q, shared results on one page, day counts from the daily summary
    volume      the dashboard's figures; appointments per period, by status, by modality
    money       revenue, medical-aid cover against patient share, balances still due
    feedback    ratings, NPS, comments
    missed      no-shows by weekday/hour, lead time, modality, age band, period
    turnaround  scan completed to first signature: percentiles, by radiologist, by period

`from analytics import queries` then `queries.<name>` keeps working for every public name.
"""

from __future__ import annotations

from analytics.queries.base import OUTCOME_STATUSES, ZERO, S, appointments, day_counts, rate, shared_results
from analytics.queries.feedback import comments, nps, nps_by_period, rating_distribution
from analytics.queries.missed import (
    AGE_BANDS,
    LEAD_BANDS,
    age_band_case,
    missed_by_age_band,
    missed_by_lead_time,
    missed_by_modality,
    missed_by_period,
    missed_heatmap,
)
from analytics.queries.money import (
    NET,
    cover_split_by_period,
    outstanding_by_period,
    revenue_by_method,
    revenue_by_period,
    revenue_by_scan_type,
)
from analytics.queries.turnaround import (
    PercentileCont,
    first_signed_reports,
    percentiles,
    turnaround_by_period,
    turnaround_by_radiologist,
    turnaround_percentiles,
)
from analytics.queries.volume import key_figures, modality_mix, status_mix, volume_by_period

__all__ = [
    "AGE_BANDS",
    "LEAD_BANDS",
    "NET",
    "OUTCOME_STATUSES",
    "ZERO",
    "PercentileCont",
    "S",
    "age_band_case",
    "appointments",
    "comments",
    "cover_split_by_period",
    "day_counts",
    "first_signed_reports",
    "key_figures",
    "missed_by_age_band",
    "missed_by_lead_time",
    "missed_by_modality",
    "missed_by_period",
    "missed_heatmap",
    "modality_mix",
    "nps",
    "nps_by_period",
    "outstanding_by_period",
    "percentiles",
    "rate",
    "rating_distribution",
    "revenue_by_method",
    "revenue_by_period",
    "revenue_by_scan_type",
    "shared_results",
    "status_mix",
    "turnaround_by_period",
    "turnaround_by_radiologist",
    "turnaround_percentiles",
    "volume_by_period",
]

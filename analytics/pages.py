"""What each analytics page shows: its tables (small DataFrames from queries) and the chart of each."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pandas as pd

from analytics import charts, queries
from analytics.filters import Filters


@dataclass(frozen=True)
class Table:
    name: str
    title: str
    build: Callable[[Filters], pd.DataFrame]
    chart: Callable[[pd.DataFrame, Filters], object]
    wide: bool = False


def _series(columns, title, y_label, y_format="0,0", kind="line"):
    def draw(df, f):
        return charts.time_series(df, columns=columns, title=title, y_label=y_label, y_format=y_format,
                                  period=f.period, kind=kind)

    return draw


PAGES: dict[str, tuple[str, list[Table]]] = {
    "dashboard": ("Practice at a glance", [
        Table("volume", "Appointments by period", queries.volume_by_period,
              _series({"appointments": "Appointments", "no_shows": "No-shows"}, "Appointments (not cancelled)",
                      "Appointments", kind="bar"), wide=True),
        Table("status", "Status mix", queries.status_mix,
              lambda df, f: charts.mix(df, label="label", value="appointments", title="Appointments by status")),
        Table("modality", "Modality mix", queries.modality_mix,
              lambda df, f: charts.mix(df, label="label", value="appointments", title="Appointments by modality")),
    ]),
    "revenue": ("Revenue", [
        Table("trend", "Net revenue by period", queries.revenue_by_period,
              _series({"net": "Net revenue"}, "Net revenue (paid minus refunds)", "Revenue", "0,0.00", kind="bar"),
              wide=True),
        Table("scan_type", "Revenue by scan type", queries.revenue_by_scan_type,
              lambda df, f: charts.bars(df, x="scan_type", y="net", title="Revenue by scan type",
                                        y_label="Revenue", y_format="0,0.00", horizontal=True,
                                        extra_tips={"payments": "Payments"})),
        Table("method", "Revenue by payment method", queries.revenue_by_method,
              lambda df, f: charts.bars(df, x="label", y="net", title="Revenue by payment method",
                                        y_label="Revenue", y_format="0,0.00", horizontal=True,
                                        extra_tips={"payments": "Payments"})),
        Table("cover", "Medical aid against patient share", queries.cover_split_by_period,
              _series({"medical_aid": "Medical aid", "patient": "Patient share"},
                      "Medical aid cover against patient share (completed)", "Amount", "0,0.00"), wide=True),
        Table("outstanding", "Outstanding patient balances", queries.outstanding_by_period,
              _series({"outstanding": "Outstanding"}, "Outstanding patient balances by visit period",
                      "Amount", "0,0.00", kind="bar"), wide=True),
    ]),
    "feedback": ("Patient feedback", [
        Table("ratings", "Rating distribution", queries.rating_distribution,
              lambda df, f: charts.bars(df, x="rating", y="responses", title="Overall rating (1-5)",
                                        y_label="Responses")),
        Table("nps", "NPS by period", queries.nps_by_period,
              _series({"nps": "NPS"}, "Net Promoter Score", "NPS", "0.0")),
    ]),
    "missed": ("Missed appointments", [
        Table("heatmap", "No-shows by weekday and hour", queries.missed_heatmap,
              lambda df, f: charts.heatmap(df, title="No-show rate by weekday and hour"), wide=True),
        Table("lead_time", "No-shows by lead time", queries.missed_by_lead_time,
              lambda df, f: charts.bars(df, x="lead_time", y="no_show_rate", title="No-show rate by booking lead time",
                                        y_label="No-show rate", y_format="0.0%",
                                        extra_tips={"no_shows": "No-shows", "appointments": "Appointments"})),
        Table("modality", "No-shows by modality", queries.missed_by_modality,
              lambda df, f: charts.bars(df, x="label", y="no_show_rate", title="No-show rate by modality",
                                        y_label="No-show rate", y_format="0.0%",
                                        extra_tips={"no_shows": "No-shows", "appointments": "Appointments"})),
        Table("age_band", "No-shows by age band", queries.missed_by_age_band,
              lambda df, f: charts.bars(df, x="age_band", y="no_show_rate", title="No-show rate by age band",
                                        y_label="No-show rate", y_format="0.0%",
                                        extra_tips={"no_shows": "No-shows", "appointments": "Appointments"})),
        Table("trend", "No-show rate by period", queries.missed_by_period,
              _series({"no_show_rate": "No-show rate"}, "No-show rate", "Rate", "0.0%"), wide=True),
    ]),
    "turnaround": ("Report turnaround", [
        Table("radiologist", "Turnaround by radiologist", queries.turnaround_by_radiologist,
              lambda df, f: charts.bars(df, x="radiologist", y="p50_hours", title="Median turnaround (hours)",
                                        y_label="Median hours", y_format="0.0", horizontal=True,
                                        extra_tips={"p90_hours": "90th percentile (h)", "n": "Reports"}),
              wide=True),
        Table("trend", "Turnaround by period", queries.turnaround_by_period,
              _series({"p50_hours": "Median", "p90_hours": "90th percentile"},
                      "Turnaround: completed scan to signed report", "Hours", "0.0"), wide=True),
    ]),
}

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from analytics import queries
from analytics.filters import Filters
from analytics.tests import fixtures

pytestmark = pytest.mark.django_db

RANGE = Filters(start=dt.date(2026, 2, 1), end=dt.date(2026, 3, 18), period="week")


@pytest.fixture
def data():
    return fixtures.build()


def test_key_figures_match_hand_computed_values(data):
    figures = queries.key_figures(RANGE, now=fixtures.NOW)
    # today: a1, a2 (a3 cancelled); week Mon 16 - Sun 22: a1 a2 a4 a8; month: + a5
    assert (figures["today"], figures["week"], figures["month"]) == (2, 4, 5)
    # paid 100 (a1) + 80-30 (a5) + 40-40 (a8 refunded) + 70 (a8 claim); not Feb, not pending, not after now
    assert figures["revenue_mtd"] == Decimal("220.00")
    # outcomes a1 a4 a5 a6 a7 a8, no-shows a4 a7
    assert figures["no_show_rate"] == pytest.approx(2 / 6)
    assert figures["average_rating"] == pytest.approx(3.5)
    # promoters a1 a5, detractor a6, passive a8: (2 - 1) / 4
    assert figures["nps"] == pytest.approx(25.0)
    # first signed versions: 2 h, 4 h, 10 h, 6 h -> median of 2, 4, 6, 10 = 5 h
    assert figures["median_turnaround_hours"] == pytest.approx(5.0)


def test_key_figures_follow_the_modality_filter(data):
    figures = queries.key_figures(Filters(start=RANGE.start, end=RANGE.end, modality="ct"), now=fixtures.NOW)
    assert (figures["today"], figures["week"], figures["month"]) == (0, 1, 1)
    assert figures["revenue_mtd"] == Decimal("70.00")
    assert figures["no_show_rate"] == 0
    assert figures["average_rating"] == pytest.approx(3.0)
    assert figures["nps"] == pytest.approx(0.0)
    assert figures["median_turnaround_hours"] == pytest.approx(6.0)


def test_empty_range_gives_no_rates():
    figures = queries.key_figures(RANGE, now=fixtures.NOW)
    assert figures["today"] == 0 and figures["revenue_mtd"] == Decimal("0.00")
    assert figures["no_show_rate"] is None and figures["nps"] is None and figures["median_turnaround_hours"] is None


def test_volume_by_week_groups_in_the_practice_time_zone(data):
    df = queries.volume_by_period(RANGE)
    rows = [(p.date().isoformat(), n, ns) for p, n, ns in df.itertuples(index=False)]
    assert rows == [("2026-02-16", 2, 1), ("2026-03-09", 1, 0), ("2026-03-16", 4, 1)]


def test_volume_by_day_and_month(data):
    by_day = queries.volume_by_period(Filters(start=RANGE.start, end=RANGE.end, period="day"))
    assert dict(zip(by_day["period"].dt.date.astype(str), by_day["appointments"], strict=True)) == {
        "2026-02-20": 1, "2026-02-21": 1, "2026-03-10": 1, "2026-03-16": 1, "2026-03-17": 1, "2026-03-18": 2}
    by_month = queries.volume_by_period(Filters(start=RANGE.start, end=RANGE.end, period="month"))
    assert list(by_month["appointments"]) == [2, 5]


def test_status_and_modality_mix(data):
    status = dict(zip(queries.status_mix(RANGE)["status"], queries.status_mix(RANGE)["appointments"], strict=True))
    assert status == {"completed": 4, "no_show": 2, "confirmed": 1, "cancelled": 1}
    modality = queries.modality_mix(RANGE)
    assert dict(zip(modality["modality"], modality["appointments"], strict=True)) == {"xray": 6, "ct": 1}


def test_turnaround_percentiles_per_radiologist_and_p90(data):
    df = queries.turnaround_percentiles(RANGE)
    # values 2, 4, 6, 10: p90 position 1 + 0.9 * 3 = 3.7 -> 6 + 0.7 * 4 = 8.8
    assert df.loc[0, "p90_hours"] == pytest.approx(8.8)
    assert df.loc[0, "n"] == 4


def test_missed_by_lead_time_and_weekday(data):
    heat = queries.missed_heatmap(RANGE)
    monday_nine = heat[(heat["weekday"] == 0) & (heat["hour"] == 9)]
    assert list(monday_nine[["appointments", "no_shows"]].iloc[0]) == [1, 1]  # a4, Monday 16 March 09:00
    lead = queries.missed_by_lead_time(RANGE)
    assert list(lead["lead_time"]) == ["2-7 days"] and lead.loc[0, "no_show_rate"] == pytest.approx(2 / 6)


def test_revenue_tables(data):
    by_method = queries.revenue_by_method(Filters(start=dt.date(2026, 3, 1), end=dt.date(2026, 3, 18)))
    # includes a1's 25 paid at 13:00 on the 18th (the range runs to the end of that day)
    assert dict(zip(by_method["method"], by_method["net"], strict=True)) == {
        "cash": pytest.approx(175.0), "medical_aid_claim": pytest.approx(70.0)}


def test_outstanding_balance_counts_unpaid_patient_share(data):
    df = queries.outstanding_by_period(Filters(start=RANGE.start, end=RANGE.end, period="month"))
    # February: a6 share 100, paid 60 -> 40. March: a5 share 100, paid 80 - 30 -> 50; a8 share 300, only a
    # refunded payment (the medical-aid claim is not the patient's) -> 300; a1 is paid in full.
    assert list(df["outstanding"]) == [pytest.approx(40.0), pytest.approx(350.0)]
    assert list(df["appointments"]) == [1, 2]


def test_outstanding_balance_adds_a_rejected_claim_to_the_patients_share(data):
    """The payments app's balance due: a rejected claim moves to the patient. a1's share 100 had been
    paid (100 + a later 25); with the rejected 30 it owes 130 - 125 = 5."""
    from django.utils import timezone

    from portal.payments.models import MedicalAidClaim

    MedicalAidClaim.objects.create(appointment=data["a1"], status=MedicalAidClaim.Status.REJECTED,
                                   amount_claimed=Decimal("30.00"), submitted_at=timezone.now())
    df = queries.outstanding_by_period(Filters(start=RANGE.start, end=RANGE.end, period="month"))
    assert list(df["outstanding"]) == [pytest.approx(40.0), pytest.approx(355.0)]
    assert list(df["appointments"]) == [1, 3]

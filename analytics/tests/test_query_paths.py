"""The fast paths behind the dashboard: exact percentiles from a histogram, the SQLite index of
appointments by local day, sharing one page's day counts, and today's outcomes only up to now."""

from __future__ import annotations

import datetime as dt
import importlib
import random

import numpy as np
import pytest
from django.apps import apps
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from analytics import queries
from analytics.filters import Filters
from analytics.models import NoShowModel
from analytics.queries import turnaround
from analytics.sql import DAY_INDEX_PREFIX, ensure_day_index
from analytics.tests import fixtures
from portal.booking.models import Appointment
from portal.reports.tests.factories import completed_appointment

pytestmark = pytest.mark.django_db
RANGE = Filters(start=dt.date(2026, 2, 1), end=dt.date(2026, 3, 18), period="week")


def _values(values: list[int]):
    now = timezone.now()
    NoShowModel.objects.bulk_create(
        NoShowModel(trained_at=now, parameters={}, metrics={}, n_appointments=v) for v in values)
    return NoShowModel.objects.all()


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize("width", [1, 3, 50, 3600])
def test_histogram_percentiles_equal_linear_interpolation(seed, width):
    rng = random.Random(seed)
    values = [rng.choice([rng.randint(0, 40), rng.randint(0, 400)]) for _ in range(rng.randint(1, 60))]
    ps = (0.0, 0.1, 0.33, 0.5, 0.9, 1.0)
    df = turnaround._percentiles_by_histogram(_values(values), value="n_appointments", ps=ps, width=width)
    assert df.loc[0, "n"] == len(values)
    for p in ps:
        assert df.loc[0, f"p{round(p * 100)}"] == pytest.approx(np.percentile(values, p * 100))


def test_histogram_percentiles_of_nothing_are_an_empty_frame():
    df = turnaround._percentiles_by_histogram(NoShowModel.objects.all(), value="n_appointments", ps=(0.5,))
    assert df.empty


@pytest.mark.skipif(connection.vendor != "sqlite", reason="the index is SQLite's (PostgreSQL hashes)")
def test_day_counts_read_the_summary_and_its_recount_the_sqlite_index_of_local_days():
    with connection.cursor() as cursor:
        cursor.execute("SELECT name FROM sqlite_master WHERE type = 'index' AND name LIKE %s",
                       [DAY_INDEX_PREFIX + "%"])
        assert [name for (name,) in cursor.fetchall()] == [f"{DAY_INDEX_PREFIX}_e120"]  # Africa/Harare, UTC+2
    # the dashboard reads the daily summary; the summary's full recount (the nightly heal) reads the index
    from analytics.summary import _appointment_rows

    with CaptureQueriesContext(connection) as ctx:
        queries.day_counts(dt.date(2026, 1, 1), dt.date(2026, 12, 31))
    assert "analytics_dailyappointmentsummary" in ctx.captured_queries[0]["sql"]
    assert not [q for q in ctx.captured_queries if "booking_appointment" in q["sql"]]
    with CaptureQueriesContext(connection) as ctx:
        _appointment_rows(Appointment.objects.all())
    [recount] = [q["sql"] for q in ctx.captured_queries if "booking_appointment" in q["sql"]]
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN QUERY PLAN " + recount)
        plan = " ".join(row[-1] for row in cursor.fetchall())
    assert f"INDEX {DAY_INDEX_PREFIX}_e120" in plan


@pytest.mark.skipif(connection.vendor != "sqlite", reason="the index is SQLite's")
def test_the_day_index_follows_the_time_zone(settings):
    from analytics.sql import fixed_offset_minutes

    def names():
        with connection.cursor() as cursor:
            cursor.execute("SELECT name FROM sqlite_master WHERE type = 'index' AND name LIKE %s",
                           [DAY_INDEX_PREFIX + "%"])
            return [name for (name,) in cursor.fetchall()]

    try:
        settings.TIME_ZONE = "Asia/Kolkata"  # UTC+05:30, no daylight saving
        fixed_offset_minutes.cache_clear()
        ensure_day_index()
        assert names() == [f"{DAY_INDEX_PREFIX}_e330"]
        settings.TIME_ZONE = "Europe/London"  # daylight saving: no fixed offset, so no index
        fixed_offset_minutes.cache_clear()
        ensure_day_index()
        assert names() == []
    finally:
        settings.TIME_ZONE = "Africa/Harare"
        fixed_offset_minutes.cache_clear()
        ensure_day_index()
    assert names() == [f"{DAY_INDEX_PREFIX}_e120"]


def test_one_page_runs_the_day_counts_once():
    fixtures.build()
    with queries.shared_results(), CaptureQueriesContext(connection) as ctx:
        queries.key_figures(RANGE, now=fixtures.NOW)
        queries.volume_by_period(RANGE)
        queries.status_mix(RANGE)
        queries.modality_mix(RANGE)
    grouped_by_day = [q for q in ctx.captured_queries if '"day"' in q["sql"] and "GROUP BY" in q["sql"]]
    # key_figures' range (this month and week) differs from the tables' only when today is not NOW
    assert 1 <= len(grouped_by_day) <= 2


def test_a_check_in_before_the_start_time_is_not_yet_an_outcome():
    data = fixtures.build()
    before = queries.key_figures(RANGE, now=fixtures.NOW)
    early = data["a2"]  # 15:00 today; it is 12:00
    Appointment.objects.filter(pk=early.pk).update(status=Appointment.Status.CHECKED_IN,
                                                   checked_in_at=fixtures.NOW - dt.timedelta(minutes=10))
    after = queries.key_figures(RANGE, now=fixtures.NOW)
    assert (after["outcomes"], after["no_shows"]) == (before["outcomes"], before["no_shows"])
    later = queries.key_figures(RANGE, now=fixtures.at(18, 15, 30))
    assert later["outcomes"] == before["outcomes"] + 1


def test_the_migration_stamps_missing_turnarounds():
    from portal.reports.models import Report

    appointment = completed_appointment(hours_ago=3)
    report = Report.objects.create(appointment=appointment, version=1, status=Report.Status.SIGNED,
                                   signed_at=appointment.completed_at + dt.timedelta(hours=2, seconds=30))
    migration = importlib.import_module("portal.reports.migrations.0004_turnaround_index")
    migration.stamp_missing_turnarounds(apps, None)
    report.refresh_from_db()
    assert report.turnaround_seconds == 7230

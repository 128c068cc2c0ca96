from __future__ import annotations

import csv
import datetime as dt
import io
from unittest import mock

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from analytics import pages, queries
from analytics.filters import Filters
from analytics.tests import fixtures
from portal.accounts.roles import Role
from portal.accounts.tests.factories import UserFactory, enable_totp, user_with_role

pytestmark = pytest.mark.django_db

PAGES = ["dashboard", "revenue", "feedback", "missed", "turnaround", "risk"]
OTHER_ROLES = [Role.PATIENT, Role.REFERRING_DOCTOR, Role.RECEPTION, Role.RADIOGRAPHER, Role.RADIOLOGIST,
               Role.MARKETING_EDITOR]
RANGE_QS = "start=2026-02-01&end=2026-03-18&period=week"


@pytest.fixture
def manager_client(client):
    manager = user_with_role(Role.MANAGER)
    enable_totp(manager)
    client.force_login(manager)
    return client


@pytest.mark.parametrize("page", PAGES)
def test_manager_sees_every_page_with_bokeh_charts(manager_client, page):
    fixtures.build()
    response = manager_client.get(reverse(f"analytics:{page}") + "?" + RANGE_QS)
    assert response.status_code == 200
    html = response.content.decode()
    assert "/static/bokeh/static/js/bokeh.min.js" in html
    assert "&lt;div" not in html and "&lt;script" not in html  # Bokeh's markup is not escaped
    assert "/static/js/analytics-charts.js" in html
    if page != "risk":
        assert "csv=" in html
        assert _chart_targets(html) == len(pages.PAGES[page][1])


def _chart_targets(html: str) -> int:
    """How many charts the page carries: each a JSON data block (no inline code) whose target is a
    placeholder on the page, every target once."""
    import json
    import re

    blocks = re.findall(r'<script type="application/json" data-bokeh-item>(.*?)</script>', html, re.S)
    targets = [json.loads(block)["target_id"] for block in blocks]
    assert len(set(targets)) == len(targets)
    for target in targets:
        assert f'<div id="{target}" class="analytics-chart"></div>' in html
    return len(targets)


@pytest.mark.parametrize("page", PAGES)
@pytest.mark.parametrize("role", OTHER_ROLES)
def test_other_roles_are_refused(client, page, role):
    user = user_with_role(role)
    if role not in (Role.PATIENT, Role.REFERRING_DOCTOR):
        enable_totp(user)
    client.force_login(user)
    response = client.get(reverse(f"analytics:{page}"))
    assert response.status_code == 403


@pytest.mark.parametrize("page", PAGES)
def test_anonymous_is_sent_to_login(client, page):
    response = client.get(reverse(f"analytics:{page}"))
    assert response.status_code == 302 and reverse("login") in response["Location"]


def test_superuser_is_allowed(client):
    admin = UserFactory(is_superuser=True, is_staff=True)
    enable_totp(admin)
    client.force_login(admin)
    assert client.get(reverse("analytics:dashboard")).status_code == 200


def test_bokeh_js_files_referenced_exist_in_static_files():
    from django.contrib.staticfiles import finders

    from analytics.charts import bokeh_js_urls

    for url in bokeh_js_urls():
        assert finders.find(url.removeprefix("/static/")), url


def test_bad_filters_show_a_clear_message_and_the_defaults(manager_client):
    response = manager_client.get(reverse("analytics:dashboard") + "?start=yesterday&modality=pet")
    html = response.content.decode()
    assert response.status_code == 200
    assert "From: Enter a valid date." in html and "Showing the default filters instead." in html
    response = manager_client.get(reverse("analytics:missed") + "?start=2026-03-01&end=2026-02-01")
    assert "The end date must not be before the start date." in response.content.decode()


def _csv(response) -> list[dict]:
    assert response["Content-Type"].startswith("text/csv")
    return list(csv.DictReader(io.StringIO(response.content.decode())))


@pytest.mark.parametrize(("page", "titles"), [(p, [t.name for t in tables]) for p, (_, tables) in pages.PAGES.items()])
def test_each_csv_matches_the_data_behind_its_chart(manager_client, page, titles):
    fixtures.build()
    filters = Filters(start=dt.date(2026, 2, 1), end=dt.date(2026, 3, 18), period="week")
    for table in pages.PAGES[page][1]:
        rows = _csv(manager_client.get(reverse(f"analytics:{page}") + f"?{RANGE_QS}&csv={table.name}"))
        df = table.build(filters)
        assert len(rows) == len(df), table.name
        figure = table.chart(df, filters)
        sources = [r.data_source.data for r in figure.renderers if hasattr(r, "data_source")]
        for column in df.columns:
            if df[column].dtype.kind in "if":
                from_csv = [float(r[column]) for r in rows]
                assert from_csv == pytest.approx(list(df[column].astype(float))), (table.name, column)
                charted = [s[column] for s in sources if column in s]
                for values in charted:
                    assert list(map(float, values)) == pytest.approx(from_csv), (table.name, column)


def test_dashboard_csv_is_the_hand_computed_weekly_volume(manager_client):
    fixtures.build()
    rows = _csv(manager_client.get(reverse("analytics:dashboard") + f"?{RANGE_QS}&csv=volume"))
    assert [(r["period"], r["appointments"], r["no_shows"]) for r in rows] == [
        ("2026-02-16", "2", "1"), ("2026-03-09", "1", "0"), ("2026-03-16", "4", "1")]


def test_dashboard_shows_the_key_figures(manager_client):
    fixtures.build()
    response = manager_client.get(reverse("analytics:dashboard") + "?" + RANGE_QS)
    figures = response.context["figures"]
    assert figures == queries.key_figures(
        Filters(start=dt.date(2026, 2, 1), end=dt.date(2026, 3, 18)), now=None) | {}
    html = response.content.decode()
    assert 'data-figure="no_show_rate">33.3%' in html
    assert 'data-figure="rating">3.50 / 5' in html
    assert 'data-figure="nps">25.0' in html
    assert 'data-figure="turnaround">5.0 h' in html


def test_dashboard_query_count_does_not_grow_with_data(manager_client):
    url = reverse("analytics:dashboard") + "?" + RANGE_QS
    manager_client.get(url)  # warm up (session, permissions)
    with CaptureQueriesContext(connection) as empty:
        assert manager_client.get(url).status_code == 200
    fixtures.build()
    manager_client.get(url)  # the new rooms and hours renew the page chrome's copy once (core.process_memo)
    with CaptureQueriesContext(connection) as small:
        manager_client.get(url)
    from analytics.demo import seed_history

    seed_history(300, stdout=io.StringIO(), now=fixtures.NOW)
    manager_client.get(url)
    with CaptureQueriesContext(connection) as bigger:
        manager_client.get(url)
    # Off PostgreSQL the turnaround percentiles take two aggregates, the second only when there are values.
    two_step = connection.vendor != "postgresql"
    assert len(empty) + two_step == len(small) == len(bigger)
    # Appointments per day, status and scan type (the figures and all three tables), revenue, feedback,
    # turnaround (one or two; and today's outcomes so far when the range holds today), plus the request's
    # session/user/roles/MFA look-ups
    analytics_queries = [q for q in bigger.captured_queries if "booking_appointment" in q["sql"]
                         or "payments_payment" in q["sql"] or "feedback_feedback" in q["sql"]
                         or "reports_report" in q["sql"]]
    # (the appointment counts come from the daily summary table, not booking_appointment)
    assert len(analytics_queries) == 3 + two_step


def test_dashboard_panel_for_managers_only(client):
    manager = user_with_role(Role.MANAGER)
    enable_totp(manager)
    client.force_login(manager)
    html = client.get(reverse("accounts:dashboard")).content.decode()
    assert "The practice at a glance" in html and reverse("analytics:dashboard") in html
    patient = user_with_role(Role.PATIENT)
    client.force_login(patient)
    html = client.get(reverse("accounts:dashboard")).content.decode()
    assert "The practice at a glance" not in html and reverse("analytics:dashboard") not in html


def test_feedback_comments_filter_by_rating(manager_client):
    fixtures.build()
    response = manager_client.get(reverse("analytics:feedback") + f"?{RANGE_QS}&rating=2")
    assert [c["comments"] for c in response.context["comments"]] == ["Comment a6"]
    rows = _csv(manager_client.get(reverse("analytics:feedback") + f"?{RANGE_QS}&rating=2&csv=comments"))
    assert [r["comments"] for r in rows] == ["Comment a6"]
    response = manager_client.get(reverse("analytics:feedback") + f"?{RANGE_QS}&rating=9")
    assert "The rating filter must be a whole number from 1 to 5" in response.content.decode()


def test_a_second_extra_reminder_the_same_day_is_not_sent_and_the_page_says_so(manager_client):
    from portal.booking.tests.factories import AppointmentFactory
    from portal.notifications.models import Delivery

    upcoming = AppointmentFactory()  # tomorrow, confirmed
    url = reverse("analytics:send_reminder", args=[upcoming.pk])
    first = manager_client.post(url, follow=True).content.decode()
    assert "An extra reminder was sent" in first
    sent = Delivery.objects.filter(appointment=upcoming).count()
    assert sent >= 1
    second = manager_client.post(url, follow=True).content.decode()
    assert "No reminder was sent" in second and "went out today already" in second
    assert Delivery.objects.filter(appointment=upcoming).count() == sent


def test_reminder_is_refused_to_other_roles_and_for_past_appointments(manager_client):
    from django.test import Client

    from portal.booking.tests.factories import AppointmentFactory

    upcoming = AppointmentFactory()
    reception = user_with_role(Role.RECEPTION)
    enable_totp(reception)
    other = Client()
    other.force_login(reception)
    assert other.post(reverse("analytics:send_reminder", args=[upcoming.pk])).status_code == 403
    past = fixtures.build()["a1"]
    assert manager_client.post(reverse("analytics:send_reminder", args=[past.pk])).status_code == 404
    assert manager_client.get(reverse("analytics:send_reminder", args=[upcoming.pk])).status_code == 405


def test_reminder_calls_the_notifications_service(manager_client):
    from portal.booking.tests.factories import AppointmentFactory
    from portal.notifications import services

    upcoming = AppointmentFactory()
    with mock.patch.object(services, "notification_send_extra_reminder") as send:
        response = manager_client.post(reverse("analytics:send_reminder", args=[upcoming.pk]))
    assert response.status_code == 302
    send.assert_called_once()
    assert send.call_args.kwargs["appointment"] == upcoming


def test_chart_output_is_memoised_on_the_data_as_a_json_block_for_its_placeholder():
    import pandas as pd

    from analytics import charts

    calls = []

    def draw(df):
        calls.append(1)
        return charts.bars(df, x="k", y="v", title="t", y_label="v")

    one = pd.DataFrame({"k": ["a", "b"], "v": [1, 2]})
    other = pd.DataFrame({"k": ["a", "b"], "v": [1, 3]})
    first = charts.cached_embed("x", one, lambda: draw(one))
    again = charts.cached_embed("x", one.copy(), lambda: draw(one))
    changed = charts.cached_embed("x", other, lambda: draw(other))
    assert len(calls) == 2
    assert first == again and changed[1] != first[1]  # another placeholder for other data
    assert _chart_targets(first[0] + first[1]) == 1


# --- Issue 18: one date style, the portal's ("1 Feb 2026"), on analytics too; money with its currency ---


@pytest.mark.parametrize("page", ["dashboard", "revenue", "risk"])
def test_analytics_pages_state_their_range_in_the_house_date_style(manager_client, page):
    html = manager_client.get(reverse(f"analytics:{page}") + "?" + RANGE_QS).content.decode()
    assert "Showing 1 Feb 2026 to 18 Mar 2026" in html
    assert "2026-02-01" not in html.split("Showing", 1)[1].split("</p>", 1)[0]


def test_analytics_tables_and_the_revenue_figure_use_the_house_styles():
    import datetime as dt

    from analytics.templatetags.analytics_tags import cell, day, money

    assert cell(dt.date(2026, 2, 1)) == "1 Feb 2026"
    assert cell(dt.datetime(2026, 2, 1, 14, 30)) == "1 Feb 2026 14:30"
    assert day("2026-11-03T08:00:00+02:00") == "3 Nov 2026" and day("nonsense") == ""
    assert money("488") == "USD 488.00"


def test_time_series_axes_use_the_house_date_style_with_few_ticks_that_never_collide():
    """Issue 18: "2 Dec 2026" as everywhere else in the portal (not ISO, not Bokeh's US "%m/%d"); at most
    five date ticks, and a label that would overlap its neighbour at 390 px is left out."""
    import pandas as pd
    from bokeh.models import DatetimeTickFormatter, NoOverlap

    from analytics import charts

    df = pd.DataFrame({"period": pd.to_datetime(["2026-02-02", "2026-02-09"]), "n": [3, 4]})
    fig = charts.time_series(df, columns={"n": "Appointments"}, title="t", y_label="n")
    axis = fig.xaxis[0]
    formatter = axis.formatter
    assert isinstance(formatter, DatetimeTickFormatter)
    assert (formatter.days, formatter.months, formatter.hours) == ("%d %b %Y", "%b %Y", "%d %b %H:%M")
    assert formatter.strip_leading_zeros is True  # "2 Feb 2026", not "02 Feb 2026"
    assert formatter.context is None  # no second, locale-styled line under the ticks
    assert axis.ticker.desired_num_ticks == 5
    assert isinstance(axis.major_label_policy, NoOverlap)
    assert isinstance(fig.yaxis[0].major_label_policy, NoOverlap)
    hover = next(t for t in fig.tools if type(t).__name__ == "HoverTool")
    assert hover.tooltips[0] == ("Period", "@period{%e %b %Y}")


def test_money_axes_name_the_currency_and_keep_narrow_ticks(settings):
    import pandas as pd

    from analytics import charts

    settings.CURRENCY = "USD"
    df = pd.DataFrame({"period": pd.to_datetime(["2026-02-02", "2026-02-09"]), "net": [1200.5, 900.0]})
    fig = charts.time_series(df, columns={"net": "Net revenue"}, title="t", y_label="Revenue", y_format="0,0.00")
    assert fig.yaxis[0].axis_label == "Revenue (USD)"
    assert fig.yaxis[0].formatter.format == "0,0"
    hover = next(t for t in fig.tools if type(t).__name__ == "HoverTool")
    assert ("Net revenue", "USD @{net}{0,0.00}") in hover.tooltips

    bars = charts.bars(pd.DataFrame({"label": ["Cash"], "net": [10.0]}), x="label", y="net", title="t",
                       y_label="Revenue", y_format="0,0.00", horizontal=True)
    assert bars.xaxis[0].axis_label == "Revenue (USD)"
    counts = charts.bars(pd.DataFrame({"rating": [1, 2], "responses": [3, 4]}), x="rating", y="responses",
                         title="t", y_label="Responses")
    assert counts.yaxis[0].axis_label == "Responses"  # not money: no currency


def test_crowded_or_long_category_labels_are_slanted_and_shortened():
    import pandas as pd

    from analytics import charts

    long_name = "MRI lumbar spine with contrast"
    df = pd.DataFrame({"scan_type": [long_name, "CT head"], "net": [1.0, 2.0]})
    fig = charts.bars(df, x="scan_type", y="net", title="t", y_label="Revenue", y_format="0,0.00", horizontal=True)
    assert list(fig.y_range.factors) == ["CT head", "MRI lumbar spine…"]
    assert list(fig.renderers[0].data_source.data["scan_type"]) == [long_name, "CT head"]  # whole on hover
    assert charts.short_factors(["MRI lumbar spine with contrast", "MRI lumbar spine without"]) == [
        "MRI lumbar spine with contrast", "MRI lumbar spine without"]  # a cut that would merge two: not made
    few = charts.bars(pd.DataFrame({"rating": ["1", "2", "3"], "n": [1, 2, 3]}), x="rating", y="n", title="t",
                      y_label="n")
    assert few.xaxis[0].major_label_orientation == 0
    bands = charts.bars(pd.DataFrame({"age_band": ["0-17", "18-39", "40-64", "65+", "unknown"], "n": [1] * 5}),
                        x="age_band", y="n", title="t", y_label="n")
    assert bands.xaxis[0].major_label_orientation == 0.8


# --- Issue 19.3: analytics uses the payments and reports apps' definitions ----------------------


def test_revenue_and_turnaround_equal_the_payments_and_reports_selectors_with_a_refund_and_an_amendment():
    from django.db.models import Sum

    from portal.payments import selectors as payment_selectors
    from portal.reports import selectors as report_selectors
    from portal.reports.models import Report

    fixtures.build()  # holds a partial and a full refund, and an amended (version 2) report
    assert Report.objects.filter(version__gt=1).exists()
    filters = Filters(start=dt.date(2025, 1, 1), end=dt.date(2027, 12, 31), period="month")
    received = payment_selectors.payments_received().filter(
        paid_at__gte=filters.start_at, paid_at__lt=filters.end_before)
    expected = received.aggregate(net=Sum(payment_selectors.NET_RECEIVED))["net"]
    assert received.filter(refunded_amount__gt=0).exists()
    assert float(queries.revenue_by_period(filters)["net"].sum()) == pytest.approx(float(expected))

    counted = queries.first_signed_reports(filters)
    assert sorted(counted.values_list("pk", flat=True)) == sorted(
        report_selectors.first_signatures().values_list("pk", flat=True))
    assert not counted.filter(version__gt=1).exists()  # the amendment is not a second turnaround

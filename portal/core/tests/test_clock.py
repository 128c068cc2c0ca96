"""The practice's clock: a moment shown in Python reads exactly as the templates show it."""

from __future__ import annotations

import datetime as dt

import pytest
from django.template.defaultfilters import date as date_filter
from django.utils import timezone

from portal.core.clock import local_day, shown


@pytest.mark.parametrize("moment", [
    dt.datetime(2026, 12, 3, 22, 30, tzinfo=dt.UTC),  # 00:30 on the 4th in Harare: the local day
    dt.datetime(2026, 1, 9, 7, 5, tzinfo=dt.UTC),  # one-digit day, minutes with a leading zero
    dt.datetime(2026, 6, 30, 21, 59, 59, tzinfo=dt.UTC),
])
def test_shown_reads_as_the_templates_date_filter(moment):
    assert shown(moment) == date_filter(timezone.localtime(moment), "j M Y H:i")
    assert shown(moment).startswith(f"{local_day(moment).day} ")


def test_shown_of_the_harare_midnight_case():
    assert shown(dt.datetime(2026, 12, 3, 22, 30, tzinfo=dt.UTC)) == "4 Dec 2026 00:30"

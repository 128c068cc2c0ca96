"""One source of truth for opening hours (issue 18.8): the rooms' weekly hours."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from portal.booking.hours import hours_lines, week_hours
from portal.booking.models import OpeningHours
from portal.booking.tests.factories import RoomFactory
from portal.core.registry import opening_hours_lines

T = dt.time


def test_consecutive_days_with_the_same_hours_share_a_line():
    week = {d: (T(7, 30), T(17)) for d in range(5)} | {5: (T(8), T(12))}
    assert hours_lines(week) == ["Mon–Fri 07:30–17:00", "Sat 08:00–12:00", "Sun closed"]


def test_the_practice_is_open_from_the_earliest_room_to_the_latest():
    rows = [(0, T(8), T(16)), (0, T(7, 30), T(15)), (0, T(9), T(17)), (2, T(8), T(12))]
    assert week_hours(rows) == {0: (T(7, 30), T(17)), 2: (T(8), T(12))}
    assert hours_lines(week_hours(rows)) == ["Mon 07:30–17:00", "Tue closed", "Wed 08:00–12:00", "Thu–Sun closed"]


@pytest.mark.django_db
def test_the_site_shows_the_rooms_hours_not_a_typed_copy(client):
    room = RoomFactory(name="X-ray 1")
    for weekday in range(5):
        OpeningHours.objects.create(room=room, weekday=weekday, opens=T(7, 30), closes=T(17))
    inactive = RoomFactory(name="Old X-ray", active=False)
    OpeningHours.objects.create(room=inactive, weekday=6, opens=T(6), closes=T(20))
    assert opening_hours_lines() == ["Mon–Fri 07:30–17:00", "Sat–Sun closed"]
    html = client.get(reverse("login")).content.decode()  # the footer is on every page
    assert "Mon–Fri 07:30–17:00" in html
    assert "18:00" not in html

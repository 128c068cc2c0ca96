"""The synthetic analytics history stays out of the working screens (issue 18.9) and keeps the
practice's hours (issue 18.8)."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.utils import timezone

from analytics.demo import seed_history, synthetic_appointments
from portal.booking.models import Appointment, OpeningHours, Room
from portal.booking.tests.factories import AppointmentFactory, RoomFactory
from portal.catalogue.tests.factories import ScanTypeFactory
from portal.reports.models import Report

pytestmark = pytest.mark.django_db
T = dt.time


@pytest.fixture
def practice():
    scan = ScanTypeFactory(code="xr-chest", modality="xray", duration_minutes=15)
    rooms = [RoomFactory(name="X-ray 1", modality="xray"), RoomFactory(name="X-ray 2", modality="xray")]
    for room in rooms:
        for weekday in range(5):
            OpeningHours.objects.create(room=room, weekday=weekday, opens=T(7, 30), closes=T(17))
        OpeningHours.objects.create(room=room, weekday=5, opens=T(8), closes=T(12))
    return scan, rooms


def test_the_history_ends_yesterday_with_every_scan_reported(practice):
    seed_history(600, stdout=io.StringIO(), seed=1)
    today = timezone.localdate()
    history = synthetic_appointments()
    assert history.count() > 500
    assert not history.filter(start__date__gte=today).exists()
    completed = history.filter(status=Appointment.Status.COMPLETED)
    assert not completed.exclude(reports__status=Report.Status.SIGNED).exists()


def test_the_history_happens_in_the_real_rooms_within_their_hours(practice):
    _, rooms = practice
    seed_history(600, stdout=io.StringIO(), seed=2)
    assert set(synthetic_appointments().values_list("room_id", flat=True)) <= {r.pk for r in rooms}
    assert not Room.objects.filter(name__startswith="hist-").exists()
    for start, end in synthetic_appointments().values_list("start", "end"):
        start, end = timezone.localtime(start), timezone.localtime(end)
        opens, closes = (T(8), T(12)) if start.weekday() == 5 else (T(7, 30), T(17))
        assert start.weekday() != 6 and opens <= start.time() and end.time() <= closes


def test_the_history_leaves_the_demos_own_appointments_alone(practice):
    scan, rooms = practice
    day = timezone.localdate() - dt.timedelta(days=7)
    while day.weekday() > 4:
        day -= dt.timedelta(days=1)
    taken = [AppointmentFactory(scan_type=scan, room=room, status=Appointment.Status.COMPLETED,
                                start=timezone.make_aware(dt.datetime.combine(day, T(hour, 0))))
             for room in rooms for hour in range(8, 17)]
    seed_history(3_000, stdout=io.StringIO(), seed=3)
    for appointment in taken:
        overlapping = Appointment.objects.active().filter(room=appointment.room, start__lt=appointment.end,
                                                          end__gt=appointment.start)
        assert list(overlapping) == [appointment]


def test_synthetic_patients_have_ordinary_names(practice):
    seed_history(300, stdout=io.StringIO(), seed=4)
    names = {a.patient.get_full_name() for a in synthetic_appointments().select_related("patient")}
    assert len(names) > 20
    assert not any(name.startswith("History") or "Patient" in name for name in names)

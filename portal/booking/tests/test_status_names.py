"""The two status groups by what they mean: holding the slot (a completed visit too) and upcoming."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from portal.booking.models import Appointment
from portal.booking.tests.factories import AppointmentFactory

pytestmark = pytest.mark.django_db
S = Appointment.Status


def test_a_completed_visit_holds_its_slot_but_is_not_upcoming():
    done = AppointmentFactory(status=S.COMPLETED)
    assert done.holds_slot and not done.is_upcoming
    cancelled = AppointmentFactory(status=S.CANCELLED)
    assert not cancelled.holds_slot and not cancelled.is_upcoming
    assert AppointmentFactory(status=S.REQUESTED).is_upcoming


def test_upcoming_is_requested_or_confirmed_from_now_on():
    now = timezone.now()
    ahead = [AppointmentFactory(status=status, start=now + dt.timedelta(days=2 + i),
                                end=now + dt.timedelta(days=2 + i, minutes=15))
             for i, status in enumerate(S.values)]
    AppointmentFactory(status=S.CONFIRMED, start=now - dt.timedelta(days=1),
                       end=now - dt.timedelta(days=1) + dt.timedelta(minutes=15))
    upcoming = set(Appointment.objects.upcoming(now=now))
    assert upcoming == {a for a in ahead if a.status in (S.REQUESTED, S.CONFIRMED)}
    assert set(Appointment.objects.upcoming(now=now + dt.timedelta(days=30))) == set()

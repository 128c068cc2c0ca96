"""Room, hours and closure edits tell the rest of the portal (the receivers live as long as the app)."""

from __future__ import annotations

import datetime as dt
import gc

import pytest

from portal.booking.models import Closure, OpeningHours
from portal.core import signals

pytestmark = pytest.mark.django_db


def test_editing_opening_hours_is_announced_even_after_garbage_collection(room):
    heard = []

    def listener(sender, **kwargs):
        heard.append(sender)

    signals.opening_hours_changed.connect(listener)
    try:
        gc.collect()  # a receiver held only weakly would be gone now
        OpeningHours.objects.filter(room=room).first().save()
        assert heard == [OpeningHours]
    finally:
        signals.opening_hours_changed.disconnect(listener)


def test_deleting_a_closure_announces_its_days(room, django_capture_on_commit_callbacks):
    heard = []

    def listener(sender, **kwargs):
        heard.append(kwargs)

    signals.closure_lifted.connect(listener)
    try:
        gc.collect()
        day = dt.date(2027, 1, 4)
        closure = Closure.objects.create(room=room, start_date=day, end_date=day, reason="Service")
        with django_capture_on_commit_callbacks(execute=True):
            closure.delete()
        assert heard == [{"signal": signals.closure_lifted, "room_id": room.pk, "first_day": day, "last_day": day}]
    finally:
        signals.closure_lifted.disconnect(listener)

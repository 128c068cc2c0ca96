"""A closure lifted (deleted or shortened) gives its days back: waiting patients get offers."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core import mail

from portal.booking.closures import lifted
from portal.booking.models import Closure
from portal.waitlist import services
from portal.waitlist.models import WaitlistOffer

pytestmark = pytest.mark.django_db

D = dt.date(2027, 3, 10)


def days(n: int) -> dt.date:
    return D + dt.timedelta(days=n)


def test_the_days_a_changed_closure_gives_back():
    assert lifted((1, D, days(4)), (1, D, days(4))) == []
    assert lifted((1, D, days(4)), (1, days(2), days(4))) == [(1, D, days(1))]
    assert lifted((1, D, days(4)), (1, D, days(1))) == [(1, days(2), days(4))]
    assert lifted((1, D, days(4)), (1, days(1), days(2))) == [(1, D, D), (1, days(3), days(4))]
    assert lifted((1, D, days(4)), (2, D, days(4))) == [(1, D, days(4))]  # moved to another room
    assert lifted((None, D, days(4)), (None, days(5), days(6))) == [(None, D, days(4))]
    assert lifted((1, D, days(4)), (1, days(-3), days(9))) == []  # only longer


def _join(user, scan, day):
    return services.waitlist_join(patient=user, scan_type=scan, earliest=day, latest=day)



def test_deleting_a_closure_offers_its_days_to_the_waitlist_in_join_order(
        patient, other_patient, scan, room, day, django_capture_on_commit_callbacks):
    closure = Closure.objects.create(room=room, start_date=day, end_date=day, reason="Maintenance")
    first, second = _join(patient, scan, day), _join(other_patient, scan, day)
    assert not WaitlistOffer.objects.exists()
    with django_capture_on_commit_callbacks(execute=True):
        closure.delete()
    offers = list(WaitlistOffer.objects.select_related("entry"))
    assert {o.entry for o in offers} == {first, second}  # one each (each takes the first free time)
    assert all(o.room == room and o.start.astimezone(dt.UTC).date() in (day, day - dt.timedelta(days=1))
               for o in offers)
    assert {m.to[0] for m in mail.outbox if "earlier time is free" in m.subject} == {patient.email,
                                                                                     other_patient.email}


def test_shortening_a_closure_offers_only_the_days_it_gives_back(
        patient, other_patient, scan, room, day, django_capture_on_commit_callbacks):
    closure = Closure.objects.create(room=room, start_date=day, end_date=day + dt.timedelta(days=1),
                                     reason="Maintenance")
    still_closed = _join(patient, scan, day + dt.timedelta(days=1))
    reopened = _join(other_patient, scan, day)
    with django_capture_on_commit_callbacks(execute=True):
        closure.start_date = day + dt.timedelta(days=1)
        closure.save()
    assert list(WaitlistOffer.objects.values_list("entry", flat=True)) == [reopened.pk]
    assert not still_closed.offers.exists()


def test_a_closure_made_longer_offers_nothing(patient, scan, room, day, django_capture_on_commit_callbacks):
    closure = Closure.objects.create(room=room, start_date=day, end_date=day, reason="Maintenance")
    _join(patient, scan, day + dt.timedelta(days=1))
    with django_capture_on_commit_callbacks(execute=True):
        closure.end_date = day + dt.timedelta(days=2)
        closure.save()
    assert not WaitlistOffer.objects.exists()

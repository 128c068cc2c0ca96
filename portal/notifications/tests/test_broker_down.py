"""The task broker (Redis) down when a booking commits (issue 20): the booking stands, the request does
not fail, and the confirmation is kept in the database and sent once the broker is back."""

from __future__ import annotations

import pytest
import redis
import time_machine
from django_q.models import Schedule
from django_q.scheduler import scheduler

from portal.booking.models import Appointment
from portal.core import signals
from portal.core.enqueue import enqueue
from portal.notifications import sms
from portal.notifications.models import Delivery

from .conftest import local_dt, make_appointment

pytestmark = pytest.mark.django_db
NOON = local_dt(2026, 11, 2, 12, 0)


@pytest.fixture
def broker_down(monkeypatch):
    def refuse(*args, **kwargs):
        raise redis.exceptions.ConnectionError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    monkeypatch.setattr("django_q.tasks.async_task", refuse)
    return monkeypatch


@time_machine.travel(NOON, tick=False)
def test_a_booking_committed_while_the_broker_is_down_gets_its_confirmation_once_the_broker_is_back(
    broker_down, django_capture_on_commit_callbacks
):
    appointment = make_appointment(start=local_dt(2026, 11, 5, 9, 0), status=Appointment.Status.REQUESTED)
    with django_capture_on_commit_callbacks(execute=True):  # raised out of the request before the fix
        signals.send_on_commit(signals.appointment_booked, sender=Appointment, appointment=appointment)
    kept = Schedule.objects.get(name="retry: notifications.notify_appointment")
    assert kept.func == "portal.notifications.tasks.notify_appointment"
    assert kept.args == repr((appointment.pk, "confirmation"))
    assert kept.schedule_type == Schedule.ONCE
    assert Schedule.objects.filter(name="retry: waitlist.close_taken_offers").count() == 1  # a later callback ran
    assert Delivery.objects.count() == 0 and sms.outbox == []

    broker_down.undo()  # the broker is back: the qcluster's scheduler queues what was kept
    with time_machine.travel(local_dt(2026, 11, 2, 12, 1), tick=False), \
            django_capture_on_commit_callbacks(execute=True):
        scheduler()
    assert not Schedule.objects.filter(name__startswith="retry: ").exists()
    assert sorted(Delivery.objects.values_list("kind", "channel", "status")) == [
        ("confirmation", "email", "sent"), ("confirmation", "sms", "sent")]
    assert len(sms.outbox) == 1

    with time_machine.travel(local_dt(2026, 11, 2, 12, 2), tick=False), \
            django_capture_on_commit_callbacks(execute=True):
        scheduler()  # nothing is kept twice
    assert len(sms.outbox) == 1 and Delivery.objects.count() == 2


def test_a_task_the_broker_takes_is_not_kept_in_the_database():
    enqueue("portal.core.health.heartbeat_record", task_name="enqueue-test")
    assert Schedule.objects.filter(name__contains="enqueue-test").count() == 0


def test_the_kept_task_keeps_its_name_for_the_task_list(broker_down):
    assert enqueue("portal.notifications.tasks.send_deliveries", [3, 4], task_name="notifications.send") is None
    kept = Schedule.objects.get(name="retry: notifications.send")
    assert kept.args == "([3, 4],)"
    assert kept.kwargs == "{'q_options': {'task_name': 'notifications.send'}}"

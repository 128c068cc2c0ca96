"""Exactly once: claims, retries, and concurrent workers."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
import threading

import pytest
from django.db import connection
from django.utils import timezone

from portal.notifications import sending, services, sms
from portal.notifications.models import Delivery

from .conftest import make_appointment, make_patient


class BrokenSMS:
    def send(self, *, to: str, body: str) -> str:
        raise ConnectionError("provider unreachable")


def _planned_sms() -> Delivery:
    patient = make_patient(email=False)
    appointment = make_appointment(start=timezone.now() + dt.timedelta(days=3), patient=patient)
    [delivery] = services._new_deliveries(
        recipient=patient, kind="confirmation", key="confirmation", appointment=appointment, now=timezone.now()
    )
    delivery.due_at = timezone.now() - dt.timedelta(seconds=1)  # whatever the hour, not held by quiet hours
    delivery.save()
    from portal.notifications.models import NotificationPreference

    NotificationPreference.objects.create(user=patient, quiet_hours=False)
    return delivery


@pytest.mark.django_db
def test_a_send_task_run_twice_sends_one_sms():
    delivery = _planned_sms()
    assert sending.deliveries_send(delivery_ids=[delivery.pk]) == 1
    assert sending.deliveries_send(delivery_ids=[delivery.pk]) == 0
    assert sending.delivery_send(delivery=delivery) == 0  # a stale in-memory copy cannot send either
    assert len(sms.outbox) == 1
    delivery.refresh_from_db()
    assert delivery.status == "sent" and delivery.provider_message_id == sms.outbox[0].sid
    assert delivery.attempts == 1 and delivery.claim == ""
    assert abs(delivery.sent_at - timezone.now()) < dt.timedelta(seconds=5)
    recent = timezone.now() - dt.timedelta(minutes=1)
    assert Delivery.objects.filter(sent_at__lte=timezone.now(), sent_at__gt=recent).exists()  # comparable in SQL


@pytest.mark.django_db
def test_the_database_refuses_a_second_delivery_with_the_same_key():
    delivery = _planned_sms()
    again = services.deliveries_create(
        recipient=delivery.recipient, kind="confirmation", key="confirmation", appointment=delivery.appointment
    )
    assert again == []
    assert Delivery.objects.filter(channel="sms").count() == 1


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("keep_migrated_data")
def test_concurrent_workers_send_one_sms():
    delivery = _planned_sms()
    copies = [Delivery.objects.select_related("appointment", "recipient").get(pk=delivery.pk) for _ in range(6)]
    barrier = threading.Barrier(len(copies))
    results = []

    def worker(copy: Delivery) -> None:
        try:
            barrier.wait()
            results.append(sending.delivery_send(delivery=copy))
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=(copy,)) for copy in copies]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(results) == [False] * 5 + [True]
    assert len(sms.outbox) == 1
    assert Delivery.objects.get(pk=delivery.pk).status == "sent"


@pytest.mark.django_db
def test_a_failed_send_is_recorded_and_retried_at_most_three_times(settings):
    settings.SMS_BACKEND = "portal.notifications.tests.test_sending.BrokenSMS"
    delivery = _planned_sms()
    assert sending.deliveries_send(delivery_ids=[delivery.pk]) == 0
    delivery.refresh_from_db()
    assert delivery.status == "pending" and delivery.attempts == 1
    assert "ConnectionError: provider unreachable" in delivery.error
    assert delivery.due_at > timezone.now() + dt.timedelta(minutes=4)  # retried later, not at once
    for _ in range(5):
        Delivery.objects.filter(pk=delivery.pk).update(due_at=timezone.now() - dt.timedelta(seconds=1))
        sending.deliveries_send(delivery_ids=[delivery.pk])
    delivery.refresh_from_db()
    assert delivery.status == "failed" and delivery.attempts == 3
    settings.SMS_BACKEND = "locmem"
    services.deliveries_dispatch_due()
    assert sms.outbox == []


@pytest.mark.django_db
def test_the_one_delivery_a_killed_sender_was_handing_over_is_marked_failed_not_resent():
    delivery = _planned_sms()
    Delivery.objects.filter(pk=delivery.pk).update(status="sending", claim="dead", handed_at=timezone.now())
    Delivery.objects.filter(pk=delivery.pk).update(updated_at=timezone.now() - dt.timedelta(minutes=11))
    services.deliveries_dispatch_due()
    delivery.refresh_from_db()
    assert delivery.status == "failed" and "may have been sent" in delivery.error and sms.outbox == []


@pytest.mark.django_db
def test_deliveries_a_killed_sender_claimed_but_never_handed_over_go_back_and_are_sent_once():
    delivery = _planned_sms()
    Delivery.objects.filter(pk=delivery.pk).update(status="sending", claim="dead")
    Delivery.objects.filter(pk=delivery.pk).update(updated_at=timezone.now() - dt.timedelta(minutes=11))
    assert services.deliveries_release_stuck() == (1, 0)
    delivery.refresh_from_db()
    assert delivery.status == "pending" and delivery.claim == ""
    assert sending.deliveries_send(delivery_ids=[delivery.pk]) == 1
    assert sending.deliveries_send(delivery_ids=[delivery.pk]) == 0
    delivery.refresh_from_db()
    assert delivery.status == "sent" and delivery.handed_at is None and len(sms.outbox) == 1


@pytest.mark.django_db
def test_a_fresh_claim_is_not_released():
    delivery = _planned_sms()
    Delivery.objects.filter(pk=delivery.pk).update(status="sending", claim="alive")
    assert services.deliveries_release_stuck() == (0, 0)
    delivery.refresh_from_db()
    assert delivery.status == "sending"


@pytest.mark.django_db
def test_the_sweep_does_not_queue_a_delivery_twice_while_its_task_waits(monkeypatch):
    delivery = _planned_sms()
    queued = []
    monkeypatch.setattr("django_q.tasks.async_task", lambda func, ids, **kw: queued.append(ids))
    assert services.deliveries_dispatch_due() == 1
    assert services.deliveries_dispatch_due() == 0
    assert queued == [[delivery.pk]]


@pytest.mark.django_db
def test_the_stuck_time_is_the_notifications_stuck_minutes_setting(settings):
    settings.NOTIFICATIONS_STUCK_MINUTES = 0.2  # 12 seconds, as the fault drill runs it
    delivery = _planned_sms()
    Delivery.objects.filter(pk=delivery.pk).update(status="sending", claim="dead")
    Delivery.objects.filter(pk=delivery.pk).update(updated_at=timezone.now() - dt.timedelta(seconds=10))
    assert services.deliveries_release_stuck() == (0, 0)
    Delivery.objects.filter(pk=delivery.pk).update(updated_at=timezone.now() - dt.timedelta(seconds=13))
    assert services.deliveries_release_stuck() == (1, 0)


@pytest.mark.django_db
def test_a_sender_still_handing_over_keeps_its_old_claim_and_a_dead_one_loses_it():
    """The stuck time runs from the claim's last hand-over, not from the claim: a live batch that takes
    longer than NOTIFICATIONS_STUCK_MINUTES keeps the rows it has not reached yet."""
    long_ago, just_now = timezone.now() - dt.timedelta(minutes=30), timezone.now() - dt.timedelta(seconds=5)
    live_waiting, live_in_flight, dead_waiting, dead_in_flight = (_planned_sms() for _ in range(4))
    Delivery.objects.filter(pk__in=[live_waiting.pk, live_in_flight.pk]).update(status="sending", claim="live")
    Delivery.objects.filter(pk__in=[dead_waiting.pk, dead_in_flight.pk]).update(status="sending", claim="dead")
    Delivery.objects.filter(pk__in=[live_in_flight.pk, dead_in_flight.pk]).update(handed_at=long_ago)
    Delivery.objects.filter(pk__in=[live_waiting.pk, dead_waiting.pk, dead_in_flight.pk]).update(updated_at=long_ago)
    Delivery.objects.filter(pk=live_in_flight.pk).update(updated_at=just_now)  # handed 5 s ago
    assert services.deliveries_release_stuck() == (1, 1)
    statuses = dict(Delivery.objects.filter(pk__in=[live_waiting.pk, live_in_flight.pk, dead_waiting.pk,
                                                    dead_in_flight.pk]).values_list("pk", "status"))
    assert statuses == {live_waiting.pk: "sending", live_in_flight.pk: "sending", dead_waiting.pk: "pending",
                        dead_in_flight.pk: "failed"}


@pytest.mark.django_db
def test_a_killed_senders_task_run_again_sends_nothing_it_had_sent_or_was_handing_over():
    """django-q2's ORM broker hands a task whose worker died to another after Q_CLUSTER["retry"] (the
    Redis broker loses it: BLPOP, no acknowledgement). Either way the batch may run again, beside the
    task the dispatch queues for the released deliveries: each message still goes once."""
    sent, in_flight, never_handed = _planned_sms(), _planned_sms(), _planned_sms()
    ids = [sent.pk, in_flight.pk, never_handed.pk]
    Delivery.objects.filter(pk=sent.pk).update(status="sent", sent_at=timezone.now())
    Delivery.objects.filter(pk=in_flight.pk).update(status="sending", claim="dead", handed_at=timezone.now())
    Delivery.objects.filter(pk=never_handed.pk).update(status="sending", claim="dead")
    assert sending.deliveries_send(delivery_ids=ids) == 0  # run again before the release: all taken
    Delivery.objects.filter(pk__in=ids[1:]).update(updated_at=timezone.now() - dt.timedelta(minutes=11))
    assert services.deliveries_release_stuck() == (1, 1)
    assert sending.deliveries_send(delivery_ids=ids) == 1  # the redelivered task
    assert sending.deliveries_send(delivery_ids=[never_handed.pk]) == 0  # the dispatch's new task
    never_handed.refresh_from_db()
    in_flight.refresh_from_db()
    assert [message.to for message in sms.outbox] == [never_handed.recipient.phone.as_e164]
    assert never_handed.status == "sent" and in_flight.status == "failed"


def settings_module_dir():
    from django.conf import settings

    return settings.BASE_DIR


@pytest.mark.parametrize("value", ["soon", "0", "-1", "nan"])
def test_a_stuck_time_that_is_not_a_positive_number_of_minutes_stops_the_start_with_a_clear_message(value):
    env = {**os.environ, "NOTIFICATIONS_STUCK_MINUTES": value}
    result = subprocess.run([sys.executable, "-c", "import config.settings"], cwd=settings_module_dir(), env=env,
                            capture_output=True, text=True, timeout=60)
    assert result.returncode != 0
    assert "NOTIFICATIONS_STUCK_MINUTES must be a number of minutes above 0" in result.stderr


# --- The send budget: a task never outlives django-q2's timeout ---------------------------------


class FakeClock:
    """sending's clock, moved on only by the slow provider below."""

    seconds = 0.0

    def __call__(self) -> float:
        return self.seconds


CLOCK = FakeClock()


class TenSecondSMS(sms.LocmemBackend):
    """A provider taking 10 s a message (on the fake clock)."""

    def send(self, *, to: str, body: str) -> str:
        CLOCK.seconds += 10
        return super().send(to=to, body=body)


@pytest.fixture
def slow_provider(settings, monkeypatch):
    """Budget 45 s, 10 s a message; the follow-up tasks a sender queues are kept, not run."""
    CLOCK.seconds = 0.0
    monkeypatch.setattr(sending, "_clock", CLOCK)
    settings.SMS_BACKEND = "portal.notifications.tests.test_sending.TenSecondSMS"
    settings.NOTIFICATIONS_SEND_BUDGET_SECONDS = 45
    queued: list[list[int]] = []
    monkeypatch.setattr("django_q.tasks.async_task", lambda func, ids, **kw: queued.append(list(ids)))
    return queued


@pytest.mark.django_db
def test_a_batch_too_slow_for_the_budget_is_sent_in_parts_each_message_once_none_failed(slow_provider):
    from portal.notifications import tasks

    ids = [_planned_sms().pk for _ in range(10)]
    # Sends at 0, 10, 20, 30 s; at 40 s the next could end at 50 s, past the budget: it stops there.
    assert tasks.send_deliveries(ids) == 4
    rest = ids[4:]
    assert slow_provider == [rest]
    rows = Delivery.objects.filter(pk__in=rest)
    assert set(rows.values_list("status", "claim", "attempts", "handed_at")) == {("pending", "", 0, None)}
    assert all(row.queued_at is not None for row in rows)  # the follow-up holds them: not queued twice
    assert set(Delivery.objects.filter(pk__in=ids[:4]).values_list("status", flat=True)) == {"sent"}
    assert services.deliveries_dispatch_due() == 0
    assert services.deliveries_release_stuck() == (0, 0)

    CLOCK.seconds = 0.0  # the follow-up task: a new start
    assert tasks.send_deliveries(slow_provider[-1]) == 4
    assert slow_provider[-1] == ids[8:]
    CLOCK.seconds = 0.0
    assert tasks.send_deliveries(slow_provider[-1]) == 2
    assert len(slow_provider) == 2  # nothing left: no third follow-up

    # Counted at the backend: ten messages, each the provider id of exactly one of the ten deliveries.
    handed = sorted(message.sid for message in sms.outbox)
    assert len(handed) == 10
    assert handed == sorted(Delivery.objects.filter(pk__in=ids).values_list("provider_message_id", flat=True))
    assert set(Delivery.objects.filter(pk__in=ids).values_list("status", "attempts", "claim")) == {("sent", 1, "")}


@pytest.mark.django_db
def test_rows_given_back_when_the_follow_up_cannot_be_queued_go_with_the_next_dispatch(settings, monkeypatch):
    CLOCK.seconds = 0.0
    monkeypatch.setattr(sending, "_clock", CLOCK)
    settings.SMS_BACKEND = "portal.notifications.tests.test_sending.TenSecondSMS"
    settings.NOTIFICATIONS_SEND_BUDGET_SECONDS = 15

    def broker_down(*args, **kwargs):
        raise ConnectionError("broker unreachable")

    monkeypatch.setattr("django_q.tasks.async_task", broker_down)
    ids = [_planned_sms().pk for _ in range(3)]
    assert sending.deliveries_send(delivery_ids=ids) == 1  # at 10 s the next could end at 20 s
    assert set(Delivery.objects.filter(pk__in=ids[1:]).values_list("status", "claim", "queued_at")) == {
        ("pending", "", None)}
    queued = []
    monkeypatch.setattr("django_q.tasks.async_task", lambda func, ids, **kw: queued.append(list(ids)))
    assert services.deliveries_dispatch_due() == 2  # at once, not after the stuck time
    assert queued == [ids[1:]]


@pytest.mark.django_db
def test_a_provider_slower_than_the_whole_budget_still_sends_one_message_a_task(slow_provider, settings):
    settings.NOTIFICATIONS_SEND_BUDGET_SECONDS = 5
    ids = [_planned_sms().pk for _ in range(3)]
    for left in (ids[1:], ids[2:]):
        CLOCK.seconds = 0.0
        assert sending.deliveries_send(delivery_ids=slow_provider[-1] if slow_provider else ids) == 1
        assert slow_provider[-1] == left
    CLOCK.seconds = 0.0
    assert sending.deliveries_send(delivery_ids=slow_provider[-1]) == 1
    assert len(sms.outbox) == 3 and len(slow_provider) == 2
    assert set(Delivery.objects.filter(pk__in=ids).values_list("status", "attempts")) == {("sent", 1)}


@pytest.mark.django_db
def test_a_batch_inside_the_budget_is_sent_whole_and_queues_nothing(slow_provider):
    ids = [_planned_sms().pk for _ in range(4)]
    assert sending.deliveries_send(delivery_ids=ids) == 4  # the last one ends at 40 s
    assert slow_provider == []


def _settings_with(env_changes: dict[str, str]) -> subprocess.CompletedProcess:
    env = {key: value for key, value in os.environ.items()
           if key not in ("NOTIFICATIONS_SEND_BUDGET_SECONDS", "DJANGO_Q_TIMEOUT", "DJANGO_Q_RETRY")}
    code = "import config.settings as s; print(s.NOTIFICATIONS_SEND_BUDGET_SECONDS, s.Q_CLUSTER['timeout'])"
    return subprocess.run([sys.executable, "-c", code], cwd=settings_module_dir(), env={**env, **env_changes},
                          capture_output=True, text=True, timeout=60)


@pytest.mark.parametrize("changes", [
    {"NOTIFICATIONS_SEND_BUDGET_SECONDS": "60"},  # the default timeout: no margin left
    {"NOTIFICATIONS_SEND_BUDGET_SECONDS": "90"},
    {"NOTIFICATIONS_SEND_BUDGET_SECONDS": "0"},
    {"NOTIFICATIONS_SEND_BUDGET_SECONDS": "soon"},
    {"NOTIFICATIONS_SEND_BUDGET_SECONDS": "nan"},
    {"DJANGO_Q_RETRY": "60"},  # django-q2 needs retry above timeout
    {"DJANGO_Q_TIMEOUT": "30", "NOTIFICATIONS_SEND_BUDGET_SECONDS": "40"},
])
def test_a_send_budget_not_below_the_timeout_below_retry_stops_the_start_with_a_clear_message(changes):
    result = _settings_with(changes)
    assert result.returncode != 0
    assert "0 < NOTIFICATIONS_SEND_BUDGET_SECONDS" in result.stderr
    assert "< Q_CLUSTER['retry']" in result.stderr


@pytest.mark.parametrize(("changes", "printed"), [
    ({}, "45.0 60"),
    ({"DJANGO_Q_TIMEOUT": "20"}, "15.0 20"),
    ({"NOTIFICATIONS_SEND_BUDGET_SECONDS": "50"}, "50.0 60"),
])
def test_the_send_budget_defaults_to_three_quarters_of_the_task_timeout(changes, printed):
    result = _settings_with(changes)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split()[-2:] == printed.split()

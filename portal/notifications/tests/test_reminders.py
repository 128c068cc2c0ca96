"""Reminders: due at the configured offsets, once, in local time, never stale, quiet hours kept."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.core import mail

from portal.booking.models import Appointment
from portal.core import signals
from portal.notifications import sending, services, sms, tasks
from portal.notifications.models import Delivery, NotificationPreference

from .conftest import local_dt, make_appointment, make_patient

pytestmark = pytest.mark.django_db


def test_a_reminder_is_sent_24_hours_before_once_however_often_the_job_runs():
    with time_machine.travel(local_dt(2026, 11, 2, 9, 0), tick=False):
        appointment = make_appointment(start=local_dt(2026, 11, 3, 8, 30))
        tasks.send_due_reminders()
        tasks.send_due_reminders()
    assert len(sms.outbox) == 1
    assert len(mail.outbox) == 1
    assert "08:30" in sms.outbox[0].body  # the practice's local time, not UTC (06:30)
    assert "Tue 3 Nov" in sms.outbox[0].body
    assert "08:30" in mail.outbox[0].subject
    kinds = set(Delivery.objects.filter(appointment=appointment).values_list("key", "status"))
    assert kinds == {("reminder_24h_20261103T0630Z", "sent")}


def test_nothing_is_sent_before_the_reminder_time():
    with time_machine.travel(local_dt(2026, 11, 2, 8, 0), tick=False):
        make_appointment(start=local_dt(2026, 11, 3, 8, 30))
        tasks.send_due_reminders()
    assert sms.outbox == [] and mail.outbox == []


def test_both_offsets_go_out_at_their_times_and_a_late_worker_sends_only_the_nearest():
    patient = make_patient(email=False)
    with time_machine.travel(local_dt(2026, 11, 2, 10, 0), tick=False):
        on_time = make_appointment(start=local_dt(2026, 11, 3, 9, 0), patient=patient)
        tasks.send_due_reminders()
    with time_machine.travel(local_dt(2026, 11, 3, 7, 30), tick=False):
        late = make_appointment(start=local_dt(2026, 11, 3, 9, 15), patient=patient)  # worker was down
        tasks.send_due_reminders()
    assert sorted(Delivery.objects.filter(appointment=on_time).values_list("key", flat=True)) == [
        "reminder_24h_20261103T0700Z", "reminder_2h_20261103T0700Z",
    ]
    assert list(Delivery.objects.filter(appointment=late).values_list("key", flat=True)) == [
        "reminder_2h_20261103T0715Z"
    ]
    assert len(sms.outbox) == 3


def test_no_reminder_for_a_cancelled_appointment():
    with time_machine.travel(local_dt(2026, 11, 2, 9, 0), tick=False):
        make_appointment(start=local_dt(2026, 11, 3, 8, 30), status=Appointment.Status.CANCELLED)
        tasks.send_due_reminders()
    assert sms.outbox == [] and mail.outbox == []


def test_a_reminder_planned_before_a_cancellation_is_never_sent():
    with time_machine.travel(local_dt(2026, 11, 2, 9, 0), tick=False):
        appointment = make_appointment(start=local_dt(2026, 11, 3, 8, 30))
        services.reminders_plan_due()  # planned, its send task not run yet
        Appointment.objects.filter(pk=appointment.pk).update(status=Appointment.Status.CANCELLED)
        tasks.send_due_reminders()
    assert sms.outbox == [] and mail.outbox == []
    assert set(Delivery.objects.values_list("status", flat=True)) == {"cancelled"}


def test_a_rescheduled_appointments_old_reminder_is_not_sent_and_the_new_time_is_reminded(
    django_capture_on_commit_callbacks,
):
    patient = make_patient(email=False)
    old_start = local_dt(2026, 11, 3, 8, 30)
    new_start = local_dt(2026, 11, 3, 11, 0)
    with time_machine.travel(local_dt(2026, 11, 2, 9, 0), tick=False):
        appointment = make_appointment(start=old_start, patient=patient)
        services.reminders_plan_due()  # the 24 h reminder for 08:30 is planned, not sent yet
        Appointment.objects.filter(pk=appointment.pk).update(start=new_start, end=new_start + dt.timedelta(hours=1))
        appointment.refresh_from_db()
        with django_capture_on_commit_callbacks(execute=True):
            signals.appointment_rescheduled.send(
                sender=Appointment, appointment=appointment, old_start=old_start, old_room_id=appointment.room_id
            )
        tasks.send_due_reminders()
    bodies = [message.body for message in sms.outbox]
    assert len(bodies) == 1 and "moved to Tue 3 Nov at 11:00" in bodies[0]
    old = Delivery.objects.get(key="reminder_24h_20261103T0630Z")
    assert old.status == "cancelled"
    with time_machine.travel(local_dt(2026, 11, 2, 11, 30), tick=False):
        tasks.send_due_reminders()
    assert len(sms.outbox) == 2 and "11:00" in sms.outbox[1].body and "08:30" not in sms.outbox[1].body
    assert Delivery.objects.get(key="reminder_24h_20261103T0900Z").status == "sent"


def test_a_stale_reminder_is_refused_at_send_time_even_without_the_event():
    with time_machine.travel(local_dt(2026, 11, 2, 9, 0), tick=False):
        appointment = make_appointment(start=local_dt(2026, 11, 3, 8, 30), patient=make_patient(email=False))
        services.reminders_plan_due()
        Appointment.objects.filter(pk=appointment.pk).update(start=local_dt(2026, 11, 5, 8, 30),
                                                             end=local_dt(2026, 11, 5, 9, 30))
        sending.deliveries_send(delivery_ids=list(Delivery.objects.values_list("pk", flat=True)))
    assert sms.outbox == []
    assert Delivery.objects.get().status == "cancelled"


def test_quiet_hours_hold_an_sms_reminder_until_seven_but_not_the_email():
    patient = make_patient()
    with time_machine.travel(local_dt(2026, 11, 2, 22, 30), tick=False):
        make_appointment(start=local_dt(2026, 11, 3, 22, 15), patient=patient)
        tasks.send_due_reminders()
        assert len(mail.outbox) == 1
        assert sms.outbox == []
        held = Delivery.objects.get(channel="sms")
        assert held.status == "pending" and held.due_at == local_dt(2026, 11, 3, 7, 0)
    with time_machine.travel(local_dt(2026, 11, 3, 6, 59), tick=False):
        tasks.send_due_reminders()
        assert sms.outbox == []
    with time_machine.travel(local_dt(2026, 11, 3, 7, 0, 30), tick=False):
        tasks.send_due_reminders()
        tasks.send_due_reminders()
    assert len(sms.outbox) == 1 and len(mail.outbox) == 1


def test_a_patient_can_turn_quiet_hours_off():
    patient = make_patient(email=False)
    NotificationPreference.objects.create(user=patient, quiet_hours=False)
    with time_machine.travel(local_dt(2026, 11, 2, 23, 0), tick=False):
        make_appointment(start=local_dt(2026, 11, 3, 22, 30), patient=patient)
        tasks.send_due_reminders()
    assert len(sms.outbox) == 1


def test_an_sms_reminder_whose_quiet_hours_last_past_the_appointment_is_skipped():
    patient = make_patient(email=False)
    with time_machine.travel(local_dt(2026, 11, 2, 4, 30), tick=False):
        appointment = make_appointment(start=local_dt(2026, 11, 2, 6, 0), patient=patient)
        tasks.send_due_reminders()
    assert sms.outbox == []
    delivery = Delivery.objects.get(appointment=appointment)
    assert delivery.status == "skipped" and "Quiet hours" in delivery.error


def test_no_reminder_for_a_time_before_the_booking():
    with time_machine.travel(local_dt(2026, 11, 3, 7, 0), tick=False):
        make_appointment(start=local_dt(2026, 11, 3, 8, 30), requested_at=local_dt(2026, 11, 3, 6, 45))
        tasks.send_due_reminders()
    assert sms.outbox == [] and mail.outbox == []


def test_configured_offsets_are_used(settings):
    settings.NOTIFICATIONS_REMINDER_OFFSETS_HOURS = [48]
    with time_machine.travel(local_dt(2026, 11, 1, 9, 0), tick=False):
        appointment = make_appointment(start=local_dt(2026, 11, 3, 8, 30), patient=make_patient(email=False))
        tasks.send_due_reminders()
    assert Delivery.objects.get(appointment=appointment).key == "reminder_48h_20261103T0630Z"
    assert len(sms.outbox) == 1

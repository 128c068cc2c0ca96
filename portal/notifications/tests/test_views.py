"""Preferences page, the delivery log panel with resend, and the extra reminder."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.template.loader import render_to_string
from django.test import RequestFactory
from django.urls import reverse

from portal.accounts.roles import Role
from portal.accounts.tests.factories import enable_totp, user_with_role
from portal.core.registry import appointment_panels_for
from portal.notifications import services, sms
from portal.notifications.models import Delivery, NotificationPreference

from .conftest import local_dt, make_appointment, make_patient

pytestmark = pytest.mark.django_db
NOON = local_dt(2026, 11, 2, 12, 0)


def _staff(role):
    user = user_with_role(role)
    enable_totp(user)
    return user


def _sent_reminder(appointment) -> Delivery:
    return Delivery.objects.create(
        appointment=appointment, recipient=appointment.patient, key="reminder_24h_x", kind="reminder",
        channel="sms", status="sent", due_at=NOON, sent_at=NOON, appointment_start=appointment.start,
        provider_message_id="SM1",
    )


def test_patient_saves_preferences(client):
    patient = make_patient(sms_on=False)
    client.force_login(patient)
    page = client.get(reverse("notifications:preferences"))
    assert page.status_code == 200 and b"Quiet hours" in page.content
    response = client.post(reverse("notifications:preferences"), {
        "notify_by_email": "on", "notify_by_sms": "on", "quiet_hours": "on",
        "quiet_start": "22:00", "quiet_end": "06:30",
    })
    assert response.status_code == 302
    patient.refresh_from_db()
    preference = NotificationPreference.objects.get(user=patient)
    assert patient.notify_by_sms and patient.notify_by_email
    assert (preference.quiet_start, preference.quiet_end) == (dt.time(22, 0), dt.time(6, 30))
    assert not preference.sms_opted_out


def test_sms_needs_a_phone_number(client):
    patient = make_patient(sms_on=False, phone="")
    client.force_login(patient)
    response = client.post(reverse("notifications:preferences"), {
        "notify_by_sms": "on", "quiet_hours": "on", "quiet_start": "21:00", "quiet_end": "07:00",
    })
    assert response.status_code == 200 and b"mobile number" in response.content
    patient.refresh_from_db()
    assert not patient.notify_by_sms


def test_preferences_link_is_in_the_patient_navigation(client):
    client.force_login(make_patient())
    page = client.get(reverse("accounts:dashboard"))
    assert reverse("notifications:preferences").encode() in page.content


@time_machine.travel(NOON, tick=False)
def test_reception_sees_the_log_and_resends_as_a_new_delivery(client, django_capture_on_commit_callbacks):
    patient = make_patient(email=False)
    NotificationPreference.objects.create(user=patient, quiet_hours=False)
    appointment = make_appointment(start=local_dt(2026, 11, 3, 9, 0), patient=patient)
    original = _sent_reminder(appointment)
    reception = _staff(Role.RECEPTION)
    [panel] = [p for p in appointment_panels_for(reception, appointment)
               if p["template"] == "notifications/panels/delivery_log.html"]
    request = RequestFactory().get("/appointments/1/")
    request.user = reception
    html = render_to_string(panel["template"], {"panel": panel["context"], "appointment": appointment,
                                                "user": reception}, request=request)
    assert "Reminder" in html and "Resend" in html and reverse("notifications:resend", args=[original.pk]) in html

    client.force_login(reception)
    for expected in ("resend_1", "resend_2"):
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(reverse("notifications:resend", args=[original.pk]), {"next": "/appointments/1/"})
        assert response.status_code == 302 and response["Location"] == "/appointments/1/"
        resend = Delivery.objects.get(key=expected)
        assert resend.status == "sent" and resend.requested_by == reception and resend.kind == "reminder"
    assert len(sms.outbox) == 2 and "Tue 3 Nov at 09:00" in sms.outbox[0].body
    original.refresh_from_db()
    assert original.status == "sent"


@time_machine.travel(NOON, tick=False)
def test_resend_refuses_an_outside_redirect(client):
    appointment = make_appointment(start=local_dt(2026, 11, 3, 9, 0))
    original = _sent_reminder(appointment)
    client.force_login(_staff(Role.MANAGER))
    response = client.post(reverse("notifications:resend", args=[original.pk]), {"next": "https://evil.example/"})
    assert response["Location"] == reverse("accounts:dashboard")


@pytest.mark.parametrize("role", [Role.PATIENT, Role.RADIOGRAPHER, Role.MARKETING_EDITOR, Role.REFERRING_DOCTOR])
def test_others_cannot_resend(client, role):
    appointment = make_appointment(start=local_dt(2027, 11, 3, 9, 0))
    original = _sent_reminder(appointment)
    user = appointment.patient if role == Role.PATIENT else _staff(role)
    client.force_login(user)
    assert client.post(reverse("notifications:resend", args=[original.pk])).status_code == 404
    assert Delivery.objects.count() == 1


def test_the_panel_is_hidden_from_patients_and_shown_without_resend_to_radiographers():
    appointment = make_appointment(start=local_dt(2027, 11, 3, 9, 0))
    templates = lambda user: {p["template"]: p["context"] for p in appointment_panels_for(user, appointment)}  # noqa: E731
    assert "notifications/panels/delivery_log.html" not in templates(appointment.patient)
    radiographer = templates(user_with_role(Role.RADIOGRAPHER))["notifications/panels/delivery_log.html"]
    assert radiographer["can_resend"] is False


@time_machine.travel(NOON, tick=False)
def test_extra_reminder_goes_once_a_day(django_capture_on_commit_callbacks):
    patient = make_patient()
    NotificationPreference.objects.create(user=patient, quiet_hours=False)
    appointment = make_appointment(start=local_dt(2026, 11, 6, 9, 0), patient=patient)
    manager = user_with_role(Role.MANAGER)
    with django_capture_on_commit_callbacks(execute=True):
        first = services.notification_send_extra_reminder(appointment=appointment, requested_by=manager)
    assert first is not None and first.key == "extra_reminder_20261102" and first.requested_by == manager
    assert services.notification_send_extra_reminder(appointment=appointment, requested_by=manager) is None
    assert len(sms.outbox) == 1
    next_day = time_machine.travel(local_dt(2026, 11, 3, 12, 0), tick=False)
    with next_day, django_capture_on_commit_callbacks(execute=True):
        assert services.notification_send_extra_reminder(appointment=appointment, requested_by=manager) is not None
    assert len(sms.outbox) == 2


@time_machine.travel(NOON, tick=False)
def test_no_extra_reminder_for_a_past_or_cancelled_appointment():
    past = make_appointment(start=local_dt(2026, 11, 1, 9, 0))
    cancelled = make_appointment(start=local_dt(2026, 11, 5, 9, 0), status="cancelled")
    assert services.notification_send_extra_reminder(appointment=past, requested_by=None) is None
    assert services.notification_send_extra_reminder(appointment=cancelled, requested_by=None) is None
    assert not Delivery.objects.exists()


def test_the_reminder_schedule_exists_once():
    from django_q.models import Schedule

    from portal.notifications.receivers import SEND_DUE_REMINDERS, ensure_schedule

    assert Schedule.objects.filter(func=SEND_DUE_REMINDERS).exists()  # made by migrate (post_migrate)
    ensure_schedule()
    ensure_schedule()
    [schedule] = Schedule.objects.filter(func=SEND_DUE_REMINDERS)
    assert schedule.schedule_type == Schedule.MINUTES and schedule.minutes == 1 and schedule.repeats < 0


def test_cluster_settings_keep_timeout_below_retry_and_cap_attempts(settings):
    assert settings.Q_CLUSTER["timeout"] < settings.Q_CLUSTER["retry"]
    assert 0 < settings.Q_CLUSTER["max_attempts"] <= 5

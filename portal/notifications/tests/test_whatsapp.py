"""WhatsApp beside email and SMS (issue 17.4): approved templates through Twilio's WhatsApp sender,
exactly once, quiet hours, offered only when configured, YES/CANCEL/STOP replies on the signed webhook."""

from __future__ import annotations

import json
from urllib.parse import parse_qs

import pytest
import responses
import time_machine
from django.core import mail
from django.urls import reverse
from twilio.request_validator import RequestValidator

from portal.booking.models import Appointment
from portal.notifications import replies, services, sms, tasks, whatsapp
from portal.notifications.models import AttendanceReply, Delivery, NotificationPreference

from .conftest import CONTENT_SIDS, PUBLIC_BASE, TOKEN, WHATSAPP_FROM, local_dt, make_appointment, make_patient

pytestmark = pytest.mark.django_db
PHONE = "+263771234567"
NOON = local_dt(2026, 11, 2, 12, 0)


def whatsapp_patient(**kwargs):
    patient = make_patient(email=False, sms_on=False, **kwargs)
    patient.notify_by_whatsapp = True
    patient.save(update_fields=["notify_by_whatsapp"])
    return patient


def _inbound(client, body: str, *, sender: str = "whatsapp:" + PHONE, signature: str | None = None):
    path = reverse("notifications:twilio_inbound")
    params = {"From": sender, "To": WHATSAPP_FROM, "Body": body, "MessageSid": "SMwa1"}
    if signature is None:
        signature = RequestValidator(TOKEN).compute_signature(PUBLIC_BASE + path, params)
    return client.post(path, params, HTTP_X_TWILIO_SIGNATURE=signature)


# --- Sending --------------------------------------------------------------------------------------


def test_a_reminder_goes_once_by_whatsapp_as_the_approved_template(whatsapp_on):
    patient = whatsapp_patient(first_name="Rudo")
    with time_machine.travel(local_dt(2026, 11, 2, 9, 0), tick=False):
        appointment = make_appointment(start=local_dt(2026, 11, 3, 8, 30), patient=patient)
        tasks.send_due_reminders()
        tasks.send_due_reminders()
    [message] = whatsapp.outbox
    assert message.to == "whatsapp:" + PHONE and message.content_sid == CONTENT_SIDS["reminder"]
    assert message.variables["1"] == "Rudo" and message.variables["2"] == "your"
    assert message.variables["3"] == appointment.scan_type.name
    assert message.variables["4"] == "Tue 3 Nov at 08:30"  # practice time, not UTC
    assert sms.outbox == [] and mail.outbox == []
    delivery = Delivery.objects.get(appointment=appointment)
    assert (delivery.channel, delivery.kind, delivery.status, delivery.to) == ("whatsapp", "reminder", "sent", PHONE)
    assert delivery.provider_message_id == message.sid


def test_whatsapp_keeps_the_patients_quiet_hours(whatsapp_on):
    patient = whatsapp_patient()
    with time_machine.travel(local_dt(2026, 11, 2, 22, 0), tick=False):
        make_appointment(start=local_dt(2026, 11, 3, 16, 0), patient=patient)
        tasks.send_due_reminders()
        assert whatsapp.outbox == []
        delivery = Delivery.objects.get(channel="whatsapp")
        assert delivery.status == "pending" and delivery.due_at == local_dt(2026, 11, 3, 7, 0)
    with time_machine.travel(local_dt(2026, 11, 3, 7, 1), tick=False):
        tasks.send_due_reminders()
    assert len(whatsapp.outbox) == 1


def test_without_whatsapp_configured_nothing_goes_by_whatsapp(settings):
    assert settings.TWILIO_WHATSAPP_FROM == ""
    patient = whatsapp_patient()
    with time_machine.travel(local_dt(2026, 11, 2, 9, 0), tick=False):
        make_appointment(start=local_dt(2026, 11, 3, 8, 30), patient=patient)
        tasks.send_due_reminders()
        services.appointment_notify(appointment=Appointment.objects.get(), kind="confirmation")
    assert whatsapp.outbox == []
    assert not Delivery.objects.filter(channel="whatsapp").exists()


def test_a_message_without_an_approved_template_is_not_sent_and_says_why(whatsapp_on):
    patient = whatsapp_patient()
    with time_machine.travel(NOON, tick=False):
        appointment = make_appointment(start=local_dt(2026, 11, 9, 9, 0), patient=patient)
        planned = services.appointment_notify(appointment=appointment, kind="confirmed")  # no content SID
        tasks.send_deliveries([delivery.pk for delivery in planned])
    delivery = Delivery.objects.get(channel="whatsapp", kind="confirmed")
    assert delivery.status == "skipped" and "No approved WhatsApp template" in delivery.error
    assert whatsapp.outbox == []


def test_a_dropped_whatsapp_choice_before_sending_skips_the_message(whatsapp_on):
    patient = whatsapp_patient()
    with time_machine.travel(NOON, tick=False):
        appointment = make_appointment(start=local_dt(2026, 11, 9, 9, 0), patient=patient)
        [delivery] = services._new_deliveries(recipient=patient, kind="confirmation", key="confirmation",
                                              appointment=appointment, now=NOON)
        delivery.save()
        patient.notify_by_whatsapp = False
        patient.save(update_fields=["notify_by_whatsapp"])
        tasks.send_due_reminders()
    delivery.refresh_from_db()
    assert delivery.status == "skipped" and "WhatsApp off" in delivery.error and whatsapp.outbox == []


def test_the_twilio_whatsapp_backend_sends_the_content_sid_and_variables(whatsapp_on):
    whatsapp_on.WHATSAPP_BACKEND = "twilio"
    whatsapp_on.TWILIO_ACCOUNT_SID = "AC" + "0" * 32
    with responses.RequestsMock() as mocked:
        mocked.post(
            f"https://api.twilio.com/2010-04-01/Accounts/{whatsapp_on.TWILIO_ACCOUNT_SID}/Messages.json",
            json={"sid": "SM" + "2" * 32, "status": "queued"}, status=201,
        )
        sid = whatsapp.get_backend().send(to=PHONE, content_sid=CONTENT_SIDS["reminder"],
                                          variables={"1": "Rudo", "4": "Tue 3 Nov at 08:30"}, body="ignored")
        sent = parse_qs(mocked.calls[0].request.body)
    assert sid == "SM" + "2" * 32
    assert sent["From"] == [WHATSAPP_FROM] and sent["To"] == ["whatsapp:" + PHONE]
    assert sent["ContentSid"] == [CONTENT_SIDS["reminder"]]
    assert json.loads(sent["ContentVariables"][0]) == {"1": "Rudo", "4": "Tue 3 Nov at 08:30"}
    assert sent["StatusCallback"] == [PUBLIC_BASE + "/notifications/twilio/status/"]
    assert "Body" not in sent  # business-initiated: the template, never free text


@time_machine.travel(NOON, tick=False)
def test_twilio_refusing_a_whatsapp_message_is_recorded_and_retried(whatsapp_on):
    whatsapp_on.WHATSAPP_BACKEND = "twilio"
    whatsapp_on.TWILIO_ACCOUNT_SID = "AC" + "0" * 32
    patient = whatsapp_patient()
    appointment = make_appointment(start=local_dt(2026, 11, 9, 9, 0), patient=patient)
    [delivery] = services._new_deliveries(recipient=patient, kind="confirmation", key="confirmation",
                                          appointment=appointment, now=NOON)
    delivery.save()
    with responses.RequestsMock() as mocked:
        mocked.post(
            f"https://api.twilio.com/2010-04-01/Accounts/{whatsapp_on.TWILIO_ACCOUNT_SID}/Messages.json",
            json={"code": 63016, "message": "Failed to send freeform message", "status": 400}, status=400,
        )
        tasks.send_deliveries([delivery.pk])
    delivery.refresh_from_db()
    assert delivery.status == "pending" and delivery.attempts == 1 and "freeform" in delivery.error


def test_the_status_callback_records_a_whatsapp_delivery(client, whatsapp_on):
    patient = whatsapp_patient()
    appointment = make_appointment(start=local_dt(2027, 11, 4, 9, 0), patient=patient)
    delivery = Delivery.objects.create(appointment=appointment, recipient=patient, key="reminder_x", kind="reminder",
                                       channel="whatsapp", status="sent", due_at=NOON, provider_message_id="SMwa9")
    path = reverse("notifications:twilio_status")
    params = {"MessageSid": "SMwa9", "MessageStatus": "delivered"}
    signature = RequestValidator(TOKEN).compute_signature(PUBLIC_BASE + path, params)
    assert client.post(path, params, HTTP_X_TWILIO_SIGNATURE=signature).status_code == 204
    delivery.refresh_from_db()
    assert delivery.status == "delivered"


# --- Preferences ----------------------------------------------------------------------------------


def test_the_whatsapp_choice_is_offered_only_when_configured(client, settings):
    patient = make_patient(sms_on=False)
    client.force_login(patient)
    assert b'name="notify_by_whatsapp"' not in client.get(reverse("notifications:preferences")).content
    settings.TWILIO_WHATSAPP_FROM = WHATSAPP_FROM
    page = client.get(reverse("notifications:preferences"))
    assert b'name="notify_by_whatsapp"' in page.content


def test_a_patient_chooses_whatsapp_and_without_configuration_a_post_changes_nothing(client, settings):
    patient = make_patient(sms_on=False)
    client.force_login(patient)
    form = {"notify_by_email": "on", "notify_by_whatsapp": "on", "quiet_hours": "on",
            "quiet_start": "21:00", "quiet_end": "07:00"}
    assert client.post(reverse("notifications:preferences"), form).status_code == 302
    patient.refresh_from_db()
    assert patient.notify_by_whatsapp is False  # not offered, so not taken
    settings.TWILIO_WHATSAPP_FROM = WHATSAPP_FROM
    assert client.post(reverse("notifications:preferences"), form).status_code == 302
    patient.refresh_from_db()
    assert patient.notify_by_whatsapp is True


def test_whatsapp_needs_a_phone_number(client, whatsapp_on):
    patient = make_patient(sms_on=False, phone="")
    client.force_login(patient)
    response = client.post(reverse("notifications:preferences"), {
        "notify_by_whatsapp": "on", "quiet_hours": "on", "quiet_start": "21:00", "quiet_end": "07:00"})
    assert response.status_code == 200 and b"Add a mobile number" in response.content
    patient.refresh_from_db()
    assert patient.notify_by_whatsapp is False


def test_the_api_reads_and_sets_whatsapp_and_leaves_it_when_not_given(client, whatsapp_on):
    from portal.accounts.tests.factories import app_token

    patient = make_patient(sms_on=False)
    token = app_token(client, patient)
    url = "/api/v1/notification-preferences"
    prefs = {"notify_by_email": True, "notify_by_sms": False, "sms_opted_out": False, "quiet_hours": True,
             "quiet_start": "21:00", "quiet_end": "07:00"}
    got = client.put(url, {**prefs, "notify_by_whatsapp": True}, content_type="application/json",
                     HTTP_X_SESSION_TOKEN=token)
    assert got.status_code == 200, got.content
    assert got.json()["notify_by_whatsapp"] is True and got.json()["whatsapp_available"] is True
    again = client.put(url, prefs, content_type="application/json", HTTP_X_SESSION_TOKEN=token)
    assert again.status_code == 200 and again.json()["notify_by_whatsapp"] is True


# --- Replies --------------------------------------------------------------------------------------


@time_machine.travel(NOON, tick=False)
def test_cancel_on_whatsapp_cancels_the_next_appointment_and_records_the_channel(client, whatsapp_on):
    patient = whatsapp_patient()
    appointment = make_appointment(start=local_dt(2026, 11, 4, 9, 0), patient=patient)
    response = _inbound(client, "cancel")
    assert response.status_code == 200 and b"is cancelled" in response.content
    appointment.refresh_from_db()
    assert appointment.status == "cancelled" and appointment.cancellation_reason == "Cancelled by WhatsApp reply"
    reply = AttendanceReply.objects.get()
    assert (reply.channel, reply.outcome, reply.patient, reply.provider_message_id) == (
        "whatsapp", "cancelled", patient, "SMwa1")


@time_machine.travel(NOON, tick=False)
def test_yes_on_whatsapp_records_attendance(client, whatsapp_on):
    patient = whatsapp_patient()
    appointment = make_appointment(start=local_dt(2026, 11, 4, 9, 0), patient=patient)
    assert b"you will attend on Wed 4 Nov at 09:00" in _inbound(client, "Yes").content
    reply = AttendanceReply.objects.get()
    assert (reply.appointment, reply.channel, reply.outcome) == (appointment, "whatsapp", "attending")


@time_machine.travel(NOON, tick=False)
def test_stop_on_whatsapp_stops_whatsapp_only_and_skips_what_was_planned(client, whatsapp_on):
    patient = whatsapp_patient()
    patient.notify_by_sms = True
    patient.save(update_fields=["notify_by_sms"])
    appointment = make_appointment(start=local_dt(2026, 11, 9, 9, 0), patient=patient)
    planned = services._new_deliveries(recipient=patient, kind="confirmation", key="confirmation",
                                       appointment=appointment, now=local_dt(2026, 11, 2, 13, 0))
    for delivery in planned:
        delivery.save()
    response = _inbound(client, "STOP")
    assert b"no more WhatsApp messages" in response.content
    patient.refresh_from_db()
    assert patient.notify_by_whatsapp is False and patient.notify_by_sms is True
    assert not NotificationPreference.objects.filter(user=patient, sms_opted_out=True).exists()
    statuses = dict(Delivery.objects.values_list("channel", "status"))
    assert statuses == {"whatsapp": "skipped", "sms": "pending"}
    assert b"on again" in _inbound(client, "START").content
    patient.refresh_from_db()
    assert patient.notify_by_whatsapp is True


@time_machine.travel(NOON, tick=False)
@pytest.mark.parametrize("signature", ["bm90LWEtc2lnbmF0dXJl", ""])
def test_a_forged_whatsapp_reply_gets_403_and_changes_nothing(client, whatsapp_on, signature):
    patient = whatsapp_patient()
    appointment = make_appointment(start=local_dt(2026, 11, 4, 9, 0), patient=patient)
    assert _inbound(client, "CANCEL", signature=signature).status_code == 403
    appointment.refresh_from_db()
    patient.refresh_from_db()
    assert appointment.status == "confirmed" and patient.notify_by_whatsapp is True
    assert not AttendanceReply.objects.exists()


def test_the_prefix_is_stripped_and_an_unknown_channel_refused():
    assert whatsapp.strip_prefix(" whatsapp:+263771234567") == ("+263771234567", True)
    assert whatsapp.strip_prefix("+263771234567") == ("+263771234567", False)
    with pytest.raises(ValueError, match="Unknown reply channel"):
        replies.sms_reply_handle(from_number=PHONE, body="YES", channel="telegram")


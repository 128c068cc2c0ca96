"""Two-way SMS: signed Twilio webhooks; YES confirms attendance only, CANCEL cancels, STOP opts out;
forgeries change nothing."""

from __future__ import annotations

import pytest
import time_machine
from django.urls import reverse
from twilio.request_validator import RequestValidator

from portal.booking.models import Appointment
from portal.notifications import services, sms, tasks
from portal.notifications.models import AttendanceReply, Delivery, NotificationPreference

from .conftest import PUBLIC_BASE, TOKEN, local_dt, make_appointment, make_patient

pytestmark = pytest.mark.django_db
PHONE = "+263771234567"
NOON = local_dt(2026, 11, 2, 12, 0)


def _post(client, name: str, params: dict, *, signature: str | None = None):
    path = reverse(f"notifications:{name}")
    if signature is None:
        signature = RequestValidator(TOKEN).compute_signature(PUBLIC_BASE + path, params)
    return client.post(path, params, HTTP_X_TWILIO_SIGNATURE=signature)


def _reply(client, body: str, **kwargs):
    return _post(client, "twilio_inbound", {"From": PHONE, "To": "+15005550006", "Body": body, "MessageSid": "SM1"},
                 **kwargs)


@time_machine.travel(NOON, tick=False)
def test_yes_to_a_booking_awaiting_reception_check_leaves_it_requested_and_says_so_kindly(client):
    appointment = make_appointment(start=local_dt(2026, 11, 4, 9, 0), status=Appointment.Status.REQUESTED,
                                   confirmed_at=None)
    response = _reply(client, " yes please ")
    assert response.status_code == 200 and response["Content-Type"].startswith("text/xml")
    assert b"Reception still has to check your referral" in response.content
    assert b"Wed 4 Nov at 09:00" in response.content and b"09:00 is confirmed" not in response.content
    appointment.refresh_from_db()
    assert appointment.status == "requested" and appointment.confirmed_at is None
    [reply] = AttendanceReply.objects.all()
    assert (reply.appointment, reply.patient, reply.channel, reply.outcome, reply.provider_message_id) == (
        appointment, appointment.patient, "sms", "awaiting_check", "SM1")


@time_machine.travel(NOON, tick=False)
def test_yes_to_a_booking_awaiting_safety_review_leaves_it_unreviewed_and_requested(client):
    appointment = make_appointment(start=local_dt(2026, 11, 4, 9, 0), status=Appointment.Status.REQUESTED,
                                   confirmed_at=None, needs_review=True)
    _reply(client, "YES")
    appointment.refresh_from_db()
    assert appointment.status == "requested" and appointment.reviewed_at is None


@time_machine.travel(NOON, tick=False)
def test_yes_to_a_confirmed_booking_records_attendance_by_sms_without_changing_it(client):
    appointment = make_appointment(start=local_dt(2026, 11, 4, 9, 0), status=Appointment.Status.CONFIRMED)
    before = appointment.confirmed_at
    response = _reply(client, "Y")
    assert b"you will attend on Wed 4 Nov at 09:00" in response.content
    appointment.refresh_from_db()
    assert appointment.status == "confirmed" and appointment.confirmed_at == before
    reply = AttendanceReply.objects.get(appointment=appointment)
    assert (reply.channel, reply.outcome, reply.patient) == ("sms", "attending", appointment.patient)


@time_machine.travel(NOON, tick=False)
def test_the_reminder_asks_for_yes_only_when_the_booking_is_confirmed():
    from portal.notifications.messages import render

    requested = make_appointment(start=local_dt(2026, 11, 4, 9, 0), status=Appointment.Status.REQUESTED,
                                 confirmed_at=None)
    confirmed = make_appointment(start=local_dt(2026, 11, 5, 9, 0), status=Appointment.Status.CONFIRMED)
    bodies = {}
    for appointment in (requested, confirmed):
        delivery = Delivery.objects.create(
            appointment=appointment, recipient=appointment.patient, key="reminder_24h_x", kind="reminder",
            channel="sms", due_at=appointment.start, appointment_start=appointment.start)
        bodies[appointment.status] = render(delivery, to=PHONE).text
    assert "YES" not in bodies["requested"] and "still checking your booking" in bodies["requested"]
    assert "Reply YES to confirm you will come" in bodies["confirmed"]


@time_machine.travel(NOON, tick=False)
@pytest.mark.parametrize("word", ["CANCEL", "No"])
def test_cancel_or_no_cancels_the_next_appointment_with_the_sms_reason(client, word):
    patient = make_patient()
    later = make_appointment(start=local_dt(2026, 11, 9, 9, 0), patient=patient)
    appointment = make_appointment(start=local_dt(2026, 11, 4, 9, 0), patient=patient)
    response = _reply(client, word)
    assert response.status_code == 200 and b"is cancelled" in response.content
    appointment.refresh_from_db()
    later.refresh_from_db()
    assert appointment.status == "cancelled" and appointment.cancellation_reason == "Cancelled by SMS reply"
    assert appointment.cancelled_by == patient
    assert later.status == "confirmed"


@time_machine.travel(NOON, tick=False)
def test_stop_opts_out_and_no_further_sms_is_sent(client):
    patient = make_patient(email=False)
    appointment = make_appointment(start=local_dt(2026, 11, 3, 11, 0), patient=patient)
    assert _reply(client, "STOP").status_code == 200
    assert NotificationPreference.objects.get(user=patient).sms_opted_out
    tasks.send_due_reminders()
    services.notification_send_extra_reminder(appointment=appointment, requested_by=None)
    assert sms.outbox == []
    assert not Delivery.objects.filter(channel="sms").exists()
    assert _reply(client, "START").status_code == 200
    assert not NotificationPreference.objects.get(user=patient).sms_opted_out


@time_machine.travel(NOON, tick=False)
def test_stop_skips_an_sms_already_planned(client):
    patient = make_patient(email=False)
    make_appointment(start=local_dt(2026, 11, 3, 11, 0), patient=patient)
    services.reminders_plan_due()
    _reply(client, "STOP")
    tasks.send_due_reminders()
    assert sms.outbox == []
    assert Delivery.objects.get().status == "skipped"


@time_machine.travel(NOON, tick=False)
@pytest.mark.parametrize(
    "tamper",
    [
        {"signature": "bm90LWEtc2lnbmF0dXJl"},  # wrong signature
        {"signature": ""},  # none
        {"body": "CANCEL", "signed_body": "YES"},  # signed one body, sent another
    ],
)
def test_a_tampered_request_gets_403_and_changes_nothing(client, tamper):
    appointment = make_appointment(start=local_dt(2026, 11, 4, 9, 0))
    path = reverse("notifications:twilio_inbound")
    params = {"From": PHONE, "Body": tamper.get("body", "CANCEL")}
    signature = tamper.get("signature")
    if signature is None:
        signature = RequestValidator(TOKEN).compute_signature(
            PUBLIC_BASE + path, {**params, "Body": tamper["signed_body"]}
        )
    response = client.post(path, params, HTTP_X_TWILIO_SIGNATURE=signature)
    assert response.status_code == 403
    appointment.refresh_from_db()
    assert appointment.status == "confirmed"
    assert not NotificationPreference.objects.exists()


def test_a_signature_for_another_host_is_refused(client):
    appointment = make_appointment(start=local_dt(2027, 11, 4, 9, 0))
    path = reverse("notifications:twilio_inbound")
    params = {"From": PHONE, "Body": "CANCEL"}
    signature = RequestValidator(TOKEN).compute_signature("https://evil.example" + path, params)
    assert client.post(path, params, HTTP_X_TWILIO_SIGNATURE=signature).status_code == 403
    appointment.refresh_from_db()
    assert appointment.status == "confirmed"


@time_machine.travel(NOON, tick=False)
def test_status_callback_records_delivery_and_failure(client):
    patient = make_patient(email=False)
    appointment = make_appointment(start=local_dt(2026, 11, 4, 9, 0), patient=patient)
    delivered, failed = (
        Delivery.objects.create(appointment=appointment, recipient=patient, key=key, kind="reminder",
                                channel="sms", status="sent", due_at=NOON, provider_message_id=sid)
        for key, sid in (("a", "SMaaa"), ("b", "SMbbb"))
    )
    assert _post(client, "twilio_status", {"MessageSid": "SMaaa", "MessageStatus": "delivered"}).status_code == 204
    assert _post(client, "twilio_status", {"MessageSid": "SMbbb", "MessageStatus": "undelivered",
                                           "ErrorCode": "30003"}).status_code == 204
    assert _post(client, "twilio_status", {"MessageSid": "SMbbb", "MessageStatus": "delivered"},
                 signature="forged").status_code == 403
    delivered.refresh_from_db()
    failed.refresh_from_db()
    assert delivered.status == "delivered" and delivered.delivered_at is not None
    assert failed.status == "failed" and "30003" in failed.error


def test_twilio_backend_sends_with_a_status_callback(settings, monkeypatch):
    import responses

    settings.SMS_BACKEND = "twilio"
    settings.TWILIO_ACCOUNT_SID = "AC" + "0" * 32
    settings.TWILIO_FROM_NUMBER = "+15005550006"
    with responses.RequestsMock() as mocked:
        mocked.post(
            f"https://api.twilio.com/2010-04-01/Accounts/{settings.TWILIO_ACCOUNT_SID}/Messages.json",
            json={"sid": "SM" + "1" * 32, "status": "queued"}, status=201,
        )
        sid = sms.get_backend().send(to=PHONE, body="Hello")
        sent = mocked.calls[0].request.body
    assert sid == "SM" + "1" * 32
    assert "StatusCallback=https%3A%2F%2Fportal.example.test%2Fnotifications%2Ftwilio%2Fstatus%2F" in sent
    assert "From=%2B15005550006" in sent and "To=%2B263771234567" in sent

""".ics on confirmations and moves, List-Unsubscribe on reminders (one click), and email services'
delivery and bounce webhooks (django-anymail)."""

from __future__ import annotations

import base64
import datetime as dt
import json

import pytest
from django.core import mail
from django.core.exceptions import SuspiciousOperation
from django.test import RequestFactory
from django.urls import reverse
from django.utils import timezone
from icalendar import Calendar

from portal.notifications import sending, services
from portal.notifications.messages import unsubscribe_token
from portal.notifications.models import Delivery, NotificationPreference

from .conftest import PUBLIC_BASE, make_appointment, make_patient

pytestmark = pytest.mark.django_db


def _send_email(message: str, *, patient=None, appointment=None, **context) -> Delivery:
    patient = patient or make_patient(sms_on=False)
    start = (timezone.now() + dt.timedelta(days=3)).replace(microsecond=0)
    appointment = appointment or make_appointment(start=start, patient=patient)
    [delivery] = services._new_deliveries(recipient=patient, kind=message, key=message, appointment=appointment,
                                          context=context, now=timezone.now())
    delivery.save()
    assert sending.deliveries_send(delivery_ids=[delivery.pk]) == 1
    delivery.refresh_from_db()
    return delivery


@pytest.mark.parametrize("message", ["confirmation", "confirmed", "reschedule"])
def test_confirmations_and_moves_carry_the_appointment_as_ics(message):
    delivery = _send_email(message, old_start=timezone.now().isoformat())
    [email] = mail.outbox
    [(filename, content, mimetype)] = email.attachments
    assert (filename, mimetype) == ("appointment.ics", "text/calendar")
    event = next(c for c in Calendar.from_ical(content).walk("VEVENT"))
    assert event.decoded("dtstart") == delivery.appointment.start
    assert event.decoded("dtend") == delivery.appointment.end
    assert delivery.appointment.scan_type.name in str(event["summary"])


def test_a_reminder_has_no_ics_but_a_one_click_list_unsubscribe(time_machine):
    # The token carries the second it was signed: sign the expected one in the same second.
    time_machine.move_to(timezone.now(), tick=False)
    delivery = _send_email("reminder")
    [email] = mail.outbox
    assert email.attachments == []
    url = f"{PUBLIC_BASE}{reverse('notifications:unsubscribe', args=[unsubscribe_token(delivery.recipient_id)])}"
    assert email.extra_headers["List-Unsubscribe"] == f"<{url}>"
    assert email.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert url in email.body


def test_other_messages_carry_no_list_unsubscribe():
    _send_email("confirmation")
    assert "List-Unsubscribe" not in mail.outbox[0].extra_headers


def test_one_click_post_turns_reminder_emails_off_and_skips_pending_ones(client):
    delivery = _send_email("reminder")
    pending = services._new_deliveries(recipient=delivery.recipient, kind="reminder", key="reminder_2h",
                                       appointment=delivery.appointment, now=timezone.now())[0]
    pending.save()
    path = reverse("notifications:unsubscribe", args=[unsubscribe_token(delivery.recipient_id)])
    # What a mail client sends (RFC 8058): no session, no CSRF token.
    response = client.post(path, {"List-Unsubscribe": "One-Click"})
    assert response.status_code == 200
    preference = NotificationPreference.objects.get(user=delivery.recipient)
    assert preference.email_reminders is False and preference.email_reminders_off_at is not None
    pending.refresh_from_db()
    assert pending.status == Delivery.Status.SKIPPED
    delivery.recipient.refresh_from_db()
    assert delivery.recipient.notify_by_email is True  # other emails still come


def test_a_later_reminder_email_is_not_sent_after_unsubscribing(client):
    delivery = _send_email("reminder")
    client.post(reverse("notifications:unsubscribe", args=[unsubscribe_token(delivery.recipient_id)]))
    mail.outbox.clear()
    again = services._new_deliveries(recipient=delivery.recipient, kind="reminder", key="reminder_later",
                                     appointment=delivery.appointment, now=timezone.now())[0]
    again.save()
    assert sending.deliveries_send(delivery_ids=[again.pk]) == 0
    assert mail.outbox == []
    _send_email("confirmed", patient=delivery.recipient, appointment=delivery.appointment)
    assert len(mail.outbox) == 1  # a confirmation still goes


def test_opening_the_link_asks_first_and_changes_nothing(client):
    patient = make_patient()
    response = client.get(reverse("notifications:unsubscribe", args=[unsubscribe_token(patient.pk)]))
    assert response.status_code == 200
    assert b"Stop reminder emails" in response.content
    assert not NotificationPreference.objects.filter(user=patient, email_reminders=False).exists()


def test_a_tampered_token_is_404(client):
    patient = make_patient()
    token = unsubscribe_token(patient.pk)
    response = client.post(reverse("notifications:unsubscribe", args=[token[:-2] + "xx"]))
    assert response.status_code == 404
    assert not NotificationPreference.objects.filter(user=patient, email_reminders=False).exists()


def test_the_preferences_page_turns_reminder_emails_back_on(client):
    patient = make_patient()
    services.preference_unsubscribe_reminders(user=patient)
    client.force_login(patient)
    page = client.get(reverse("notifications:preferences")).content.decode()
    assert 'name="email_reminders"' in page
    client.post(reverse("notifications:preferences"), {"notify_by_email": "on", "email_reminders": "on",
                                                       "quiet_hours": "on", "quiet_start": "21:00",
                                                       "quiet_end": "07:00"})
    assert NotificationPreference.objects.get(user=patient).email_reminders is True


def _postmark_webhook(settings, payload: dict):
    from anymail.webhooks.postmark import PostmarkTrackingWebhookView

    settings.ANYMAIL = {"WEBHOOK_SECRET": "hook:s3cret-hook-password"}
    request = RequestFactory().post(
        "/anymail/postmark/tracking/", data=json.dumps(payload), content_type="application/json",
        HTTP_AUTHORIZATION="Basic " + base64.b64encode(b"hook:s3cret-hook-password").decode(),
    )
    return PostmarkTrackingWebhookView.as_view()(request)


def test_an_email_services_delivery_webhook_marks_the_email_delivered(settings):
    delivery = _send_email("confirmation")
    response = _postmark_webhook(settings, {"RecordType": "Delivery", "MessageID": delivery.provider_message_id,
                                            "Recipient": delivery.to, "DeliveredAt": "2026-12-02T08:00:00Z"})
    assert response.status_code == 200
    delivery.refresh_from_db()
    assert delivery.status == Delivery.Status.DELIVERED and delivery.delivered_at is not None


def test_an_email_services_bounce_webhook_marks_the_email_failed_with_the_reason(settings):
    delivery = _send_email("confirmation")
    response = _postmark_webhook(settings, {
        "RecordType": "Bounce", "MessageID": delivery.provider_message_id, "Type": "HardBounce", "TypeCode": 1,
        "Email": delivery.to, "Description": "The server was unable to deliver your message",
        "BouncedAt": "2026-12-02T08:00:00Z",
    })
    assert response.status_code == 200
    delivery.refresh_from_db()
    assert delivery.status == Delivery.Status.FAILED
    assert delivery.error.startswith("Email bounced")


def test_a_webhook_without_the_secret_changes_nothing(settings):
    from anymail.webhooks.postmark import PostmarkTrackingWebhookView

    delivery = _send_email("confirmation")
    settings.ANYMAIL = {"WEBHOOK_SECRET": "hook:s3cret-hook-password"}
    payload = {"RecordType": "Delivery", "MessageID": delivery.provider_message_id}
    request = RequestFactory().post("/anymail/postmark/tracking/", content_type="application/json",
                                    data=json.dumps(payload))
    with pytest.raises(SuspiciousOperation):  # Django answers 400
        PostmarkTrackingWebhookView.as_view()(request)
    delivery.refresh_from_db()
    assert delivery.status == Delivery.Status.SENT

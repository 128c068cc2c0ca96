from __future__ import annotations

import json
import logging
import time
from decimal import Decimal

import pytest
from django.urls import reverse

from portal.booking.models import Appointment
from portal.booking.tests.factories import AppointmentFactory
from portal.core import signals
from portal.payments.models import Payment, StripeEvent
from portal.payments.selectors import appointment_balance
from portal.payments.tests.factories import PaymentFactory
from portal.payments.tests.stripe_helpers import event, session_object, signed_post

pytestmark = pytest.mark.django_db


@pytest.fixture
def pending(stripe_keys):
    appointment = AppointmentFactory(patient_amount=Decimal("100.00"))
    return PaymentFactory(appointment=appointment, amount=Decimal("100.00"), method="card_online",
                          status="pending", paid_at=None, provider_session_id="cs_test_w")


@pytest.fixture
def received():
    got = []
    signals.payment_received.connect(lambda sender, payment, **kw: got.append(payment.pk), weak=False,
                                     dispatch_uid="test-webhook")
    yield got
    signals.payment_received.disconnect(dispatch_uid="test-webhook")


def test_completed_session_marks_paid_and_updates_balance_once(client, pending, received,
                                                               django_capture_on_commit_callbacks):
    body = event(session_object(pending), event_id="evt_paid")
    with django_capture_on_commit_callbacks(execute=True):
        first = signed_post(client, body)
        second = signed_post(client, body)
    assert (first.status_code, first.content) == (200, b"paid")
    assert (second.status_code, second.content) == (200, b"duplicate")
    pending.refresh_from_db()
    assert pending.status == Payment.Status.PAID and pending.provider_payment_id == "pi_test_123"
    assert appointment_balance(pending.appointment).due == Decimal("0.00")
    assert received == [pending.pk]
    assert StripeEvent.objects.get().payment == pending


def test_a_second_paid_event_for_the_same_session_changes_nothing(client, pending, received,
                                                                   django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        signed_post(client, event(session_object(pending), event_id="evt_a"))
        again = signed_post(client, event(session_object(pending), event_id="evt_b",
                                          type="checkout.session.async_payment_succeeded"))
    assert again.content == b"already_paid"
    assert received == [pending.pk]
    assert StripeEvent.objects.count() == 2


def test_expiry_arriving_after_payment_does_not_undo_it(client, pending):
    signed_post(client, event(session_object(pending), event_id="evt_paid"))
    late = signed_post(client, event(session_object(pending, paid=False, status="expired"), event_id="evt_exp",
                                     type="checkout.session.expired"))
    assert late.content == b"unchanged"
    pending.refresh_from_db()
    assert pending.status == Payment.Status.PAID


def test_expired_session_fails_a_pending_payment(client, pending):
    response = signed_post(client, event(session_object(pending, paid=False, status="expired"),
                                         type="checkout.session.expired"))
    assert response.content == b"failed"
    pending.refresh_from_db()
    assert pending.status == Payment.Status.FAILED
    assert appointment_balance(pending.appointment).due == Decimal("100.00")


def test_delayed_payment_is_paid_only_when_it_succeeds(client, pending):
    first = signed_post(client, event(session_object(pending, paid=False), event_id="evt_c"))
    assert first.content == b"awaiting_payment"
    pending.refresh_from_db()
    assert pending.status == Payment.Status.PENDING
    signed_post(client, event(session_object(pending), event_id="evt_d",
                              type="checkout.session.async_payment_succeeded"))
    pending.refresh_from_db()
    assert pending.status == Payment.Status.PAID


def test_amount_that_does_not_match_is_not_marked_paid(client, pending):
    response = signed_post(client, event(session_object(pending, amount_total=100)))
    assert response.content == b"amount_mismatch"
    pending.refresh_from_db()
    assert pending.status == Payment.Status.PENDING


def test_bad_signature_is_400_and_changes_nothing(client, pending):
    response = signed_post(client, event(session_object(pending)), secret="whsec_wrong")
    assert response.status_code == 400
    pending.refresh_from_db()
    assert pending.status == Payment.Status.PENDING
    assert not StripeEvent.objects.exists()


def test_tampered_body_is_400(client, pending):
    genuine = json.dumps(event(session_object(pending, amount_total=1)))
    from stripe import WebhookSignature

    from portal.payments.tests.stripe_helpers import WEBHOOK_SECRET
    header = WebhookSignature.generate_signature_header(genuine, WEBHOOK_SECRET)
    forged = json.dumps(event(session_object(pending)))
    response = signed_post(client, forged, signature=header)
    assert response.status_code == 400
    pending.refresh_from_db()
    assert pending.status == Payment.Status.PENDING


def test_stale_timestamp_is_400(client, pending):
    response = signed_post(client, event(session_object(pending)), timestamp=int(time.time()) - 600)
    assert response.status_code == 400
    pending.refresh_from_db()
    assert pending.status == Payment.Status.PENDING
    assert not StripeEvent.objects.exists()


def test_missing_signature_or_unconfigured_secret_is_400(client, pending, settings):
    url = reverse("payments:payments_stripe_webhook")
    assert client.post(url, data="{}", content_type="application/json").status_code == 400
    settings.STRIPE_WEBHOOK_SECRET = ""
    assert signed_post(client, event(session_object(pending))).status_code == 400
    assert not StripeEvent.objects.exists()


def test_webhook_is_public_and_csrf_exempt(pending):
    from django.test import Client

    anonymous = Client(enforce_csrf_checks=True)
    response = signed_post(anonymous, event(session_object(pending)))
    assert response.status_code == 200


def test_unknown_session_is_logged_without_patient_data_and_answers_200(client, pending, caplog):
    other = session_object(pending, session_id="cs_unknown")
    with caplog.at_level(logging.INFO, logger="portal.payments"):
        response = signed_post(client, event(other, event_id="evt_unknown"))
    assert (response.status_code, response.content) == (200, b"unknown_session")
    pending.refresh_from_db()
    assert pending.status == Payment.Status.PENDING
    assert "evt_unknown" in caplog.text
    patient = pending.appointment.patient
    assert patient.email not in caplog.text and patient.last_name not in caplog.text


def test_other_event_types_are_acknowledged(client, stripe_keys):
    response = signed_post(client, event({"id": "pi_1", "object": "payment_intent"}, type="payment_intent.created"))
    assert (response.status_code, response.content) == (200, b"ignored")


def test_payment_arriving_after_cancellation_is_refunded_under_policy(client, pending, stripe_api,
                                                                      django_capture_on_commit_callbacks):
    import datetime as dt

    import responses
    from django.utils import timezone

    from portal.payments.tests.stripe_helpers import STRIPE_API

    Appointment.objects.filter(pk=pending.appointment_id).update(
        status=Appointment.Status.CANCELLED, cancelled_at=timezone.now(),
        start=timezone.now() + dt.timedelta(days=3), end=timezone.now() + dt.timedelta(days=3, minutes=15))
    stripe_api.add(responses.POST, f"{STRIPE_API}/refunds", json={"id": "re_1", "status": "succeeded"})
    with django_capture_on_commit_callbacks(execute=True):
        signed_post(client, event(session_object(pending)))
    pending.refresh_from_db()
    assert pending.status == Payment.Status.REFUNDED
    assert len(stripe_api.calls) == 1

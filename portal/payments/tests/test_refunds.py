from __future__ import annotations

import datetime as dt
from decimal import Decimal
from urllib.parse import parse_qs

import pytest
import responses
from django.urls import reverse
from django.utils import timezone

from portal.booking import services as booking
from portal.booking.tests.factories import AppointmentFactory
from portal.payments import tasks
from portal.payments.models import Payment, Refund
from portal.payments.selectors import appointment_balance
from portal.payments.tests.factories import PaymentFactory
from portal.payments.tests.stripe_helpers import STRIPE_API

pytestmark = pytest.mark.django_db


def _appointment(days_ahead: float = 3):
    start = timezone.now() + dt.timedelta(days=days_ahead)
    return AppointmentFactory(patient_amount=Decimal("100.00"), start=start, end=start + dt.timedelta(minutes=15))


def _cancel(appointment, capture):
    with capture(execute=True):
        booking.appointment_cancel(appointment=appointment, by=appointment.patient, reason="Cannot come")


def test_refund_on_cancel_is_requested_once_with_an_idempotency_key(stripe_keys, stripe_api,
                                                                    django_capture_on_commit_callbacks):
    appointment = _appointment()
    payment = PaymentFactory(appointment=appointment, amount=Decimal("100.00"), method="card_online",
                             provider_session_id="cs_1", provider_payment_id="pi_paid")
    stripe_api.add(responses.POST, f"{STRIPE_API}/refunds", json={"id": "re_123", "status": "succeeded"})
    _cancel(appointment, django_capture_on_commit_callbacks)  # the receiver queues the task (sync in tests)
    assert len(stripe_api.calls) == 1
    request = stripe_api.calls[0].request
    assert request.headers["Idempotency-Key"] == f"refund-payment-{payment.pk}"
    form = parse_qs(request.body)
    assert form["payment_intent"] == ["pi_paid"] and form["amount"] == ["10000"]
    # The task runs again (a retry, a second cancel signal): Stripe is not asked again.
    tasks.refund_cancelled_appointment(appointment.pk)
    assert len(stripe_api.calls) == 1
    payment.refresh_from_db()
    assert (payment.status, payment.refunded_amount) == (Payment.Status.REFUNDED, Decimal("100.00"))
    refund = Refund.objects.get()
    assert (refund.status, refund.provider_refund_id) == (Refund.Status.SUCCEEDED, "re_123")
    appointment.refresh_from_db()
    assert appointment_balance(appointment).due == Decimal("0.00")


def test_a_failed_stripe_call_is_retried_with_the_same_key(stripe_keys, stripe_api):
    appointment = _appointment()
    PaymentFactory(appointment=appointment, amount=Decimal("100.00"), method="card_online",
                   provider_payment_id="pi_paid")
    booking.appointment_cancel(appointment=appointment, by=appointment.patient, reason="x")
    stripe_api.add(responses.POST, f"{STRIPE_API}/refunds", status=400,
                   json={"error": {"type": "invalid_request_error", "message": "try later"}})
    with pytest.raises(Exception):  # noqa: B017 (the task fails so django-q2 retries it)
        tasks.refund_cancelled_appointment(appointment.pk)
    stripe_api.replace(responses.POST, f"{STRIPE_API}/refunds", json={"id": "re_9", "status": "pending"})
    tasks.refund_cancelled_appointment(appointment.pk)
    keys = {call.request.headers["Idempotency-Key"] for call in stripe_api.calls}
    assert len(stripe_api.calls) == 2 and len(keys) == 1
    assert Refund.objects.get().status == Refund.Status.SUCCEEDED


def test_cancelling_inside_the_cutoff_refunds_nothing(stripe_keys, stripe_api, django_capture_on_commit_callbacks):
    appointment = _appointment(days_ahead=0.5)  # 12 hours before the start, cut-off is 24
    payment = PaymentFactory(appointment=appointment, amount=Decimal("100.00"), method="card_online",
                             provider_payment_id="pi_paid")
    _cancel(appointment, django_capture_on_commit_callbacks)
    assert len(stripe_api.calls) == 0
    assert not Refund.objects.exists()
    payment.refresh_from_db()
    assert payment.status == Payment.Status.PAID


def test_cutoff_comes_from_settings(settings, stripe_keys, stripe_api, django_capture_on_commit_callbacks):
    settings.PAYMENTS_REFUND_CUTOFF_HOURS = 6
    appointment = _appointment(days_ahead=0.5)
    PaymentFactory(appointment=appointment, amount=Decimal("100.00"), method="card_online",
                   provider_payment_id="pi_paid")
    stripe_api.add(responses.POST, f"{STRIPE_API}/refunds", json={"id": "re_1", "status": "succeeded"})
    _cancel(appointment, django_capture_on_commit_callbacks)
    assert len(stripe_api.calls) == 1


def test_desk_payment_refund_waits_for_staff_to_give_the_money_back(reception_client,
                                                                    django_capture_on_commit_callbacks):
    appointment = _appointment()
    payment = PaymentFactory(appointment=appointment, amount=Decimal("60.00"), method="cash")
    claim_payment = PaymentFactory(appointment=appointment, amount=Decimal("300.00"), method="medical_aid_claim")
    _cancel(appointment, django_capture_on_commit_callbacks)
    refund = Refund.objects.get()
    assert (refund.payment, refund.amount, refund.status) == (payment, Decimal("60.00"), Refund.Status.AWAITING_STAFF)
    page = reception_client.get(reverse("payments:list")).content.decode()
    assert "Refunds to give back" in page and "Confirm given back" in page
    response = reception_client.post(reverse("payments:refund_confirm", args=[refund.pk]), follow=True)
    assert "Refund of USD 60.00 confirmed as given back." in [str(m) for m in response.context["messages"]]
    again = reception_client.post(reverse("payments:refund_confirm", args=[refund.pk]), follow=True)
    assert "This refund is already refunded." in [str(m) for m in again.context["messages"]]
    payment.refresh_from_db()
    claim_payment.refresh_from_db()
    assert (payment.status, payment.refunded_amount) == (Payment.Status.REFUNDED, Decimal("60.00"))
    assert claim_payment.status == Payment.Status.PAID  # the aid's money is not the patient's refund


def test_patient_cannot_confirm_a_refund(client, django_capture_on_commit_callbacks):
    appointment = _appointment()
    PaymentFactory(appointment=appointment, amount=Decimal("60.00"), method="cash")
    _cancel(appointment, django_capture_on_commit_callbacks)
    client.force_login(appointment.patient)
    assert client.post(reverse("payments:refund_confirm", args=[Refund.objects.get().pk])).status_code == 403
    assert Refund.objects.get().status == Refund.Status.AWAITING_STAFF

from __future__ import annotations

import json
from decimal import Decimal
from urllib.parse import parse_qs

import pytest
import responses
from django.urls import reverse

from portal.booking.tests.factories import AppointmentFactory
from portal.payments.models import Payment
from portal.payments.selectors import appointment_balance
from portal.payments.tests.factories import PaymentFactory
from portal.payments.tests.stripe_helpers import STRIPE_API, session_object

pytestmark = pytest.mark.django_db


def test_pay_online_button_only_with_stripe_keys(client, stripe_keys):
    appointment = AppointmentFactory(patient_amount=Decimal("100.00"))
    client.force_login(appointment.patient)
    page = client.get(reverse("payments:appointment", args=[appointment.pk])).content.decode()
    assert "Pay online USD 100.00" in page
    stripe_keys.STRIPE_SECRET_KEY = ""
    page = client.get(reverse("payments:appointment", args=[appointment.pk])).content.decode()
    assert "Pay online" not in page
    assert "Please pay USD 100.00 at the practice" in page


def test_checkout_without_keys_is_refused_with_a_message(client):
    appointment = AppointmentFactory(patient_amount=Decimal("100.00"))
    client.force_login(appointment.patient)
    response = client.post(reverse("payments:checkout", args=[appointment.pk]), follow=True)
    assert "Online payment is not available: please pay at the practice." in [
        str(m) for m in response.context["messages"]]
    assert not Payment.objects.exists()


def test_checkout_creates_a_session_for_the_balance_with_idempotency_key_and_metadata(
        client, stripe_keys, stripe_api):
    appointment = AppointmentFactory(patient_amount=Decimal("100.00"))
    PaymentFactory(appointment=appointment, amount=Decimal("25.50"))
    stripe_api.add(responses.POST, f"{STRIPE_API}/checkout/sessions", json={
        "id": "cs_test_abc", "object": "checkout.session", "url": "https://checkout.stripe.com/c/pay/cs_test_abc"})
    client.force_login(appointment.patient)
    response = client.post(reverse("payments:checkout", args=[appointment.pk]))
    assert response.status_code == 302
    assert response["Location"] == "https://checkout.stripe.com/c/pay/cs_test_abc"
    payment = Payment.objects.get(method=Payment.Method.CARD_ONLINE)
    assert (payment.status, payment.amount, payment.provider_session_id) == ("pending", Decimal("74.50"), "cs_test_abc")
    assert len(stripe_api.calls) == 1
    request = stripe_api.calls[0].request
    assert request.headers["Idempotency-Key"] == f"checkout-payment-{payment.pk}"
    assert request.headers["Authorization"] == "Bearer sk_test_unit"
    form = parse_qs(request.body)
    assert form["metadata[payment_id]"] == [str(payment.pk)]
    assert form["line_items[0][price_data][unit_amount]"] == ["7450"]
    assert form["mode"] == ["payment"]
    assert form["success_url"][0].endswith("/payments/checkout/success/?session_id={CHECKOUT_SESSION_ID}")
    # The redirect to Stripe paid nothing yet.
    assert appointment_balance(appointment).due == Decimal("74.50")


def test_checkout_failure_at_stripe_leaves_no_pending_payment_and_says_so(client, stripe_keys, stripe_api):
    appointment = AppointmentFactory(patient_amount=Decimal("100.00"))
    stripe_api.add(responses.POST, f"{STRIPE_API}/checkout/sessions", status=400,
                   json={"error": {"type": "invalid_request_error", "message": "nope"}})
    client.force_login(appointment.patient)
    response = client.post(reverse("payments:checkout", args=[appointment.pk]), follow=True)
    assert any("not available just now" in str(m) for m in response.context["messages"])
    assert Payment.objects.get().status == Payment.Status.FAILED


def test_nothing_due_means_no_checkout(client, stripe_keys, stripe_api):
    appointment = AppointmentFactory(patient_amount=Decimal("100.00"))
    PaymentFactory(appointment=appointment, amount=Decimal("100.00"))
    client.force_login(appointment.patient)
    response = client.post(reverse("payments:checkout", args=[appointment.pk]), follow=True)
    assert "Nothing is due for this appointment." in [str(m) for m in response.context["messages"]]
    assert len(stripe_api.calls) == 0


def test_another_patient_cannot_check_out_someone_elses_appointment(client, stripe_keys, stripe_api):
    appointment = AppointmentFactory()
    client.force_login(AppointmentFactory().patient)
    assert client.post(reverse("payments:checkout", args=[appointment.pk])).status_code == 404
    assert len(stripe_api.calls) == 0


def _pending(appointment, session_id="cs_test_s"):
    return PaymentFactory(appointment=appointment, amount=appointment.patient_amount, method="card_online",
                          status="pending", paid_at=None, provider_session_id=session_id)


def test_success_page_shows_processing_until_stripe_says_paid(client, stripe_keys, stripe_api):
    appointment = AppointmentFactory(patient_amount=Decimal("100.00"))
    payment = _pending(appointment)
    stripe_api.add(responses.GET, f"{STRIPE_API}/checkout/sessions/cs_test_s",
                   json=session_object(payment, paid=False))
    client.force_login(appointment.patient)
    url = reverse("payments:checkout_success") + "?session_id=cs_test_s"
    page = client.get(url).content.decode()
    assert "Payment processing" in page
    payment.refresh_from_db()
    assert payment.status == Payment.Status.PENDING
    assert appointment_balance(appointment).due == Decimal("100.00")


def test_success_page_confirms_with_stripe_and_marks_paid_once(client, stripe_keys, stripe_api):
    appointment = AppointmentFactory(patient_amount=Decimal("100.00"))
    payment = _pending(appointment)
    stripe_api.add(responses.GET, f"{STRIPE_API}/checkout/sessions/cs_test_s", json=session_object(payment))
    client.force_login(appointment.patient)
    url = reverse("payments:checkout_success") + "?session_id=cs_test_s"
    assert "Payment received" in client.get(url).content.decode()
    assert "Payment received" in client.get(url).content.decode()
    payment.refresh_from_db()
    assert payment.status == Payment.Status.PAID and payment.provider_payment_id == "pi_test_123"
    assert len(stripe_api.calls) == 1  # the second visit reads the database only
    assert appointment_balance(appointment).due == 0


def test_success_page_of_someone_elses_session_is_404(client, stripe_keys, stripe_api):
    payment = _pending(AppointmentFactory())
    client.force_login(AppointmentFactory().patient)
    url = reverse("payments:checkout_success") + f"?session_id={payment.provider_session_id}"
    assert client.get(url).status_code == 404
    assert client.get(reverse("payments:checkout_success") + "?session_id=cs_nope").status_code == 404
    assert len(stripe_api.calls) == 0


def test_cancel_page_changes_nothing(client):
    appointment = AppointmentFactory(patient_amount=Decimal("100.00"))
    payment = _pending(appointment)
    client.force_login(appointment.patient)
    page = client.get(reverse("payments:checkout_cancel", args=[appointment.pk])).content.decode()
    assert "nothing was charged" in page
    payment.refresh_from_db()
    assert payment.status == Payment.Status.PENDING
    assert json.dumps(str(appointment_balance(appointment).due)) == '"100.00"'

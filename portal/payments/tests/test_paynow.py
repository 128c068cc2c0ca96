"""Paynow (EcoCash, OneMoney, Zimbabwean cards): start, callback, polling, bad input. Paynow is mocked
at the HTTP layer; the SDK and our hash checks run for real."""

from __future__ import annotations

import datetime as dt
import threading
from decimal import Decimal
from urllib.parse import parse_qs

import pytest
import responses
from django.db import connection
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from portal.booking.models import Appointment
from portal.booking.tests.factories import AppointmentFactory
from portal.core import signals
from portal.payments import paynow_services, tasks
from portal.payments.models import Payment, PaymentHold
from portal.payments.selectors import appointment_balance
from portal.payments.tests import paynow_helpers as pn

pytestmark = pytest.mark.django_db


@pytest.fixture
def paynow_keys(settings):
    settings.PAYNOW_INTEGRATION_ID = pn.INTEGRATION_ID
    settings.PAYNOW_INTEGRATION_KEY = pn.INTEGRATION_KEY
    settings.PAYNOW_AUTH_EMAIL = ""
    return settings


@pytest.fixture
def paynow_api():
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        yield mock


@pytest.fixture
def appointment():
    return AppointmentFactory(patient_amount=Decimal("168.00"), status=Appointment.Status.REQUESTED,
                              confirmed_at=None)


def _start(client, appointment, hold="", **data):
    client.force_login(appointment.patient)
    fields = {f"paynow-{k}": v for k, v in {"method": "ecocash", "phone": "077 123 4567", **data}.items()}
    fields["hold"] = hold
    return client.post(reverse("payments:paynow_start", args=[appointment.pk]), fields)


def _messages(response) -> list[str]:
    return [str(m) for m in response.context["messages"]] if response.context else []


def _pending_payment(appointment, method=Payment.Method.MOBILE_MONEY, **kwargs) -> Payment:
    return Payment.objects.create(appointment=appointment, amount=Decimal("168.00"), currency="USD", method=method,
                                  status=Payment.Status.PENDING, provider_poll_url=pn.POLL_URL, **kwargs)


def test_paynow_is_offered_only_when_configured(client, paynow_keys, appointment):
    client.force_login(appointment.patient)
    page = client.get(reverse("payments:appointment", args=[appointment.pk])).content.decode()
    assert 'data-testid="paynow-form"' in page and "EcoCash" in page and "OneMoney" in page
    paynow_keys.PAYNOW_INTEGRATION_KEY = ""
    page = client.get(reverse("payments:appointment", args=[appointment.pk])).content.decode()
    assert "paynow-form" not in page
    assert "Please pay USD 168.00 at the practice" in page
    response = _start(client, appointment)
    assert response.status_code == 302
    assert not Payment.objects.exists()


def test_ecocash_express_asks_the_phone_and_waits_for_approval(client, paynow_keys, paynow_api, appointment):
    pn.mock_mobile_start(paynow_api)
    response = _start(client, appointment, phone="+263 77 123 4567", hold="1")
    payment = Payment.objects.get()
    assert response["Location"] == reverse("payments:paynow_status", args=[payment.pk])
    assert (payment.method, payment.status, payment.amount) == ("mobile_money", "pending", Decimal("168.00"))
    assert payment.provider_poll_url == pn.POLL_URL
    sent = parse_qs(paynow_api.calls[0].request.body)
    assert sent["phone"] == ["0771234567"] and sent["method"] == ["ecocash"]
    assert sent["reference"] == [f"RP-{payment.pk:06d}"] and sent["amount"] == ["168.0"]
    assert sent["authemail"] == [appointment.patient.email]
    assert PaymentHold.objects.filter(payment=payment, status="held").exists()
    # the waiting page polls Paynow: still "Sent"
    pn.mock_poll(paynow_api, payment, status="Sent")
    page = client.get(response["Location"]).content.decode()
    assert "Approve the payment" in page and 'hx-trigger="every 4s"' in page
    # approved on the phone: the next poll says Paid
    paynow_api.replace(responses.POST, pn.POLL_URL, body=pn.urlencode(pn.status_message(payment)))
    page = client.get(response["Location"]).content.decode()
    assert "Payment received" in page and "hx-trigger" not in page  # the page stops asking
    payment.refresh_from_db()
    assert payment.status == "paid" and payment.provider_payment_id == "9510"
    assert appointment_balance(appointment).due == 0
    assert PaymentHold.objects.get(payment=payment).status == "paid"


def test_web_checkout_sends_the_patient_to_paynow(client, paynow_keys, paynow_api, appointment):
    pn.mock_web_start(paynow_api)
    response = _start(client, appointment, method="web", phone="")
    assert response["Location"] == pn.BROWSER_URL
    payment = Payment.objects.get()
    assert payment.method == "paynow"
    sent = parse_qs(paynow_api.calls[0].request.body)
    assert sent["returnurl"][0].endswith(reverse("payments:paynow_status", args=[payment.pk]))
    assert sent["resulturl"][0].endswith(reverse("payments:paynow_result"))


@pytest.mark.parametrize(("method", "phone", "error"), [
    ("ecocash", "", "Enter the EcoCash number"),
    ("ecocash", "0712345678", "Enter a Zimbabwean EcoCash number (starting 077 or 078)."),
    ("onemoney", "0771234567", "Enter a Zimbabwean OneMoney number (starting 071)."),
    ("ecocash", "+27 82 123 4567", "Enter a Zimbabwean EcoCash number"),
    ("ecocash", "not a number", "Enter a Zimbabwean EcoCash number"),
    ("bitcoin", "0771234567", "Select a valid choice"),
])
def test_bad_payment_details_are_refused_with_a_message_and_nothing_sent(
        client, paynow_keys, paynow_api, appointment, method, phone, error):
    response = _start(client, appointment, method=method, phone=phone)
    follow = client.get(response["Location"])
    assert any(error in m for m in _messages(follow)), _messages(follow)
    assert not Payment.objects.exists() and not paynow_api.calls


def test_paynow_down_fails_cleanly_and_frees_the_hold(client, paynow_keys, paynow_api, appointment):
    paynow_api.add(responses.POST, pn.MOBILE_URL, body=ConnectionError("down"))
    response = _start(client, appointment, hold="1")
    follow = client.get(response["Location"])
    assert any("Paynow could not start the payment" in m for m in _messages(follow))
    assert Payment.objects.get().status == "failed"
    assert not PaymentHold.objects.exists()


def test_paynow_refusal_is_a_clear_message(client, paynow_keys, paynow_api, appointment):
    paynow_api.add(responses.POST, pn.MOBILE_URL, body="status=Error&error=Invalid+phone")
    response = _start(client, appointment)
    assert any("Paynow could not start" in m for m in _messages(client.get(response["Location"])))
    assert Payment.objects.get().status == "failed"


def test_a_second_request_while_one_waits_is_refused(client, paynow_keys, paynow_api, appointment):
    _pending_payment(appointment)
    response = _start(client, appointment)
    assert any("still waiting" in m for m in _messages(client.get(response["Location"])))
    assert Payment.objects.count() == 1 and not paynow_api.calls


def test_an_old_unapproved_request_is_given_up_before_a_new_one(client, paynow_keys, paynow_api, appointment):
    old = _pending_payment(appointment)
    Payment.objects.filter(pk=old.pk).update(created_at=timezone.now() - dt.timedelta(minutes=20))
    pn.mock_poll(paynow_api, old, status="Sent")
    pn.mock_mobile_start(paynow_api)
    _start(client, appointment)
    old.refresh_from_db()
    assert old.status == "failed"
    assert Payment.objects.filter(status="pending").count() == 1


def test_result_callback_marks_paid_once_and_repeats_change_nothing(client, paynow_keys, appointment):
    payment = _pending_payment(appointment)
    received = []
    signals.payment_received.connect(lambda **kw: received.append(kw["payment"].pk), weak=False,
                                     dispatch_uid="test-paynow-received")
    try:
        message = pn.status_message(payment)
        url = reverse("payments:paynow_result")
        with_commit = Client()
        first = with_commit.post(url, message)
        assert first.status_code == 200 and first.content == b"paid"
        second = with_commit.post(url, message)
        assert second.content == b"already_paid"
    finally:
        signals.payment_received.disconnect(dispatch_uid="test-paynow-received")
    payment.refresh_from_db()
    assert payment.status == "paid" and payment.paid_at is not None
    assert Payment.objects.filter(status="paid").count() == 1


@pytest.mark.parametrize("tamper", ["hash", "amount", "status", "key"])
def test_a_tampered_callback_is_refused_and_changes_nothing(client, paynow_keys, appointment, tamper):
    payment = _pending_payment(appointment)
    message = pn.status_message(payment)
    if tamper == "hash":
        message["hash"] = message["hash"][:-1] + ("0" if message["hash"][-1] != "0" else "1")
    elif tamper == "amount":
        message["amount"] = "1.00"  # changed after signing
    elif tamper == "status":
        message["status"] = "Paid" if message["status"] != "Paid" else "Delivered"
    else:
        message = pn.signed({k: v for k, v in message.items() if k != "hash"}, key="another-merchants-key")
    response = client.post(reverse("payments:paynow_result"), message)
    assert response.status_code == 400
    payment.refresh_from_db()
    assert payment.status == "pending"


def test_a_signed_callback_for_the_wrong_amount_does_not_mark_paid(client, paynow_keys, appointment):
    payment = _pending_payment(appointment)
    response = client.post(reverse("payments:paynow_result"), pn.status_message(payment, amount="1.00"))
    assert response.content == b"amount_mismatch"
    payment.refresh_from_db()
    assert payment.status == "pending"


def test_a_signed_callback_naming_another_poll_url_is_ignored(client, paynow_keys, appointment):
    payment = _pending_payment(appointment)
    message = pn.status_message(payment, poll_url="https://www.paynow.co.zw/Interface/CheckPayment/?guid=other")
    assert client.post(reverse("payments:paynow_result"), message).content == b"poll_url_mismatch"
    payment.refresh_from_db()
    assert payment.status == "pending"


def test_a_callback_for_an_unknown_reference_is_refused(client, paynow_keys, appointment):
    payment = _pending_payment(appointment)
    for reference in ["RP-999999", "INV-1", f"{payment.pk}"]:
        assert client.post(reverse("payments:paynow_result"),
                           pn.status_message(payment, reference=reference)).status_code == 400
    desk = Payment.objects.create(appointment=appointment, amount=Decimal("1.00"), currency="USD", method="cash",
                                  status="pending")
    assert client.post(reverse("payments:paynow_result"),
                       pn.status_message(desk, amount="1.00")).status_code == 400  # not a Paynow payment


def test_cancelled_by_the_patient_marks_the_payment_failed(client, paynow_keys, appointment):
    payment = _pending_payment(appointment)
    assert client.post(reverse("payments:paynow_result"),
                       pn.status_message(payment, status="Cancelled")).content == b"failed"
    payment.refresh_from_db()
    assert payment.status == "failed"


def test_the_poll_task_settles_payments_whose_callback_never_came(paynow_keys, paynow_api, appointment):
    paid = _pending_payment(appointment)
    pn.mock_poll(paynow_api, paid)
    assert tasks.poll_paynow_payments() == 1
    paid.refresh_from_db()
    assert paid.status == "paid"
    assert tasks.poll_paynow_payments() == 0  # nothing pending: safe to run again


def test_the_poll_task_gives_up_stale_requests(paynow_keys, paynow_api, appointment):
    stale = _pending_payment(appointment)
    Payment.objects.filter(pk=stale.pk).update(created_at=timezone.now() - dt.timedelta(minutes=16))
    pn.mock_poll(paynow_api, stale, status="Sent")
    tasks.poll_paynow_payments()
    stale.refresh_from_db()
    assert stale.status == "failed"


def test_a_poll_answer_with_a_bad_hash_changes_nothing(paynow_keys, paynow_api, appointment):
    payment = _pending_payment(appointment)
    message = pn.status_message(payment)
    message["hash"] = "0" * 128
    paynow_api.add(responses.POST, pn.POLL_URL, body=pn.urlencode(message))
    paynow_services.paynow_refresh(payment=payment)
    payment.refresh_from_db()
    assert payment.status == "pending"


def test_paid_after_the_slot_was_freed_is_recorded_and_refunded(
        paynow_keys, appointment, django_capture_on_commit_callbacks):
    payment = _pending_payment(appointment)
    Appointment.objects.filter(pk=appointment.pk).update(status=Appointment.Status.CANCELLED,
                                                         cancelled_at=appointment.start - dt.timedelta(days=3))
    with django_capture_on_commit_callbacks(execute=True):
        assert paynow_services.paynow_result_received(values=pn.status_message(payment)) == "paid"
    payment.refresh_from_db()
    assert payment.status == "paid"
    refund = payment.refund
    assert refund.status == "awaiting_staff"  # Paynow has no refund API: the practice gives it back


def test_another_patients_paynow_pages_are_404(client, paynow_keys, appointment):
    payment = _pending_payment(appointment)
    other = AppointmentFactory()
    client.force_login(other.patient)
    assert client.get(reverse("payments:paynow_status", args=[payment.pk])).status_code == 404
    response = client.post(reverse("payments:paynow_start", args=[appointment.pk]),
                           {"paynow-method": "ecocash", "paynow-phone": "0771234567"})
    assert response.status_code == 404
    assert Payment.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_concurrent_callbacks_have_one_effect(paynow_keys, appointment):
    # SQLite serialises the writers (IMMEDIATE transactions); PostgreSQL locks the payment row.
    payment = _pending_payment(appointment)
    message = pn.status_message(payment)
    outcomes: list[str] = []
    barrier = threading.Barrier(4)

    def post():
        barrier.wait()
        try:
            outcomes.append(paynow_services.paynow_result_received(values=message))
        finally:
            connection.close()

    threads = [threading.Thread(target=post) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["already_paid"] * 3 + ["paid"]
    assert Payment.objects.get(pk=payment.pk).status == "paid"

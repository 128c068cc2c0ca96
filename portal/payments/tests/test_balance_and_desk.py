from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from portal.booking.models import Appointment
from portal.booking.tests.factories import AppointmentFactory
from portal.core import signals
from portal.payments import services
from portal.payments.models import Payment
from portal.payments.selectors import appointment_balance
from portal.payments.tests.factories import PaymentFactory

pytestmark = pytest.mark.django_db


def test_balance_is_patient_share_minus_paid_net_of_refunds():
    appointment = AppointmentFactory(patient_amount=Decimal("120.00"))
    PaymentFactory(appointment=appointment, amount=Decimal("50.00"), refunded_amount=Decimal("20.00"),
                   status=Payment.Status.PARTIALLY_REFUNDED)
    PaymentFactory(appointment=appointment, amount=Decimal("30.00"), status=Payment.Status.PENDING,
                   method=Payment.Method.CARD_ONLINE, paid_at=None)
    PaymentFactory(appointment=appointment, amount=Decimal("40.00"), status=Payment.Status.FAILED,
                   method=Payment.Method.CARD_ONLINE, paid_at=None)
    balance = appointment_balance(appointment)
    assert balance.paid == Decimal("50.00")
    assert balance.refunded == Decimal("20.00")
    assert balance.due == Decimal("90.00")  # 120 - (50 - 20); pending and failed count for nothing


def test_balance_never_goes_negative_even_when_overpaid():
    appointment = AppointmentFactory(patient_amount=Decimal("100.00"))
    PaymentFactory(appointment=appointment, amount=Decimal("100.00"), method=Payment.Method.CARD_ONLINE)
    PaymentFactory(appointment=appointment, amount=Decimal("100.00"), method=Payment.Method.CASH)
    assert appointment_balance(appointment).due == Decimal("0.00")


def test_medical_aid_payments_do_not_reduce_the_patients_balance():
    appointment = AppointmentFactory(price=Decimal("500.00"), covered_amount=Decimal("400.00"),
                                     patient_amount=Decimal("100.00"))
    PaymentFactory(appointment=appointment, amount=Decimal("400.00"), method=Payment.Method.MEDICAL_AID_CLAIM)
    assert appointment_balance(appointment).due == Decimal("100.00")


def test_a_cancelled_appointment_owes_nothing():
    appointment = AppointmentFactory(patient_amount=Decimal("100.00"), status=Appointment.Status.CANCELLED)
    assert appointment_balance(appointment).due == Decimal("0.00")


def test_desk_payment_reduces_the_balance_and_announces_it(reception, django_capture_on_commit_callbacks):
    appointment = AppointmentFactory(patient_amount=Decimal("100.00"))
    received = []
    signals.payment_received.connect(lambda sender, payment, **kw: received.append(payment.pk), weak=False,
                                     dispatch_uid="test-desk")
    try:
        with django_capture_on_commit_callbacks(execute=True):
            payment = services.payment_record_desk(appointment=appointment, method=Payment.Method.CASH,
                                                   amount=Decimal("60"), reference="SLIP-1", by=reception)
    finally:
        signals.payment_received.disconnect(dispatch_uid="test-desk")
    assert payment.status == Payment.Status.PAID and payment.recorded_by == reception
    assert received == [payment.pk]
    assert appointment_balance(appointment).due == Decimal("40.00")


@pytest.mark.parametrize("amount, message", [
    (Decimal("0"), "more than zero"),
    (Decimal("-5"), "more than zero"),
    (Decimal("100.01"), "cannot be more than the balance"),
])
def test_desk_payment_refuses_bad_amounts(reception, amount, message):
    appointment = AppointmentFactory(patient_amount=Decimal("100.00"))
    with pytest.raises(ValidationError, match=message):
        services.payment_record_desk(appointment=appointment, method=Payment.Method.CASH, amount=amount,
                                     by=reception)
    assert not Payment.objects.exists()


def test_desk_payment_refuses_online_method(reception):
    appointment = AppointmentFactory(patient_amount=Decimal("100.00"))
    with pytest.raises(ValidationError, match="Choose cash"):
        services.payment_record_desk(appointment=appointment, method=Payment.Method.CARD_ONLINE,
                                     amount=Decimal("10"), by=reception)


@pytest.mark.parametrize("amount, message", [
    ("0", "The amount must be more than zero."),
    ("-10", "The amount must be more than zero."),
    ("150", "The amount cannot be more than the balance due (USD 100.00)."),
])
def test_desk_form_shows_clear_messages_for_bad_amounts(reception_client, amount, message):
    appointment = AppointmentFactory(patient_amount=Decimal("100.00"))
    response = reception_client.post(
        reverse("payments:desk_payment", args=[appointment.pk]),
        {"desk-method": "cash", "desk-amount": amount}, follow=True,
    )
    assert message in [str(m) for m in response.context["messages"]]
    assert not Payment.objects.exists()


def test_desk_form_records_a_payment(reception_client):
    appointment = AppointmentFactory(patient_amount=Decimal("100.00"))
    response = reception_client.post(
        reverse("payments:desk_payment", args=[appointment.pk]),
        {"desk-method": "eft", "desk-amount": "100", "desk-reference": "EFT-9"}, follow=True,
    )
    assert response.status_code == 200
    payment = Payment.objects.get()
    assert (payment.method, payment.amount, payment.reference) == ("eft", Decimal("100.00"), "EFT-9")
    assert "EFT / bank transfer payment of USD 100.00 recorded." in [str(m) for m in response.context["messages"]]
    assert appointment_balance(appointment).due == 0


def test_patient_cannot_record_desk_payments(client):
    appointment = AppointmentFactory(patient_amount=Decimal("100.00"))
    client.force_login(appointment.patient)
    response = client.post(reverse("payments:desk_payment", args=[appointment.pk]),
                           {"desk-method": "cash", "desk-amount": "100"})
    assert response.status_code == 403
    assert not Payment.objects.exists()


def test_staff_page_shows_forms_and_patient_page_says_pay_at_the_practice_without_stripe(reception_client, client):
    appointment = AppointmentFactory(patient_amount=Decimal("100.00"))
    staff_page = reception_client.get(reverse("payments:appointment", args=[appointment.pk])).content.decode()
    assert "Record a payment at the desk" in staff_page
    client.force_login(appointment.patient)
    page = client.get(reverse("payments:appointment", args=[appointment.pk])).content.decode()
    assert "at the practice" in page
    assert "Pay online" not in page
    assert reverse("payments:checkout", args=[appointment.pk]) not in page
    assert "Record a payment" not in page


def test_patient_sees_what_is_still_to_pay_on_payments_and_dashboard(client, django_assert_num_queries):
    from portal.payments.selectors import balances_due_for

    owing = AppointmentFactory(patient_amount=Decimal("100.00"))
    patient = owing.patient
    paid = AppointmentFactory(patient=patient, patient_amount=Decimal("50.00"))
    PaymentFactory(appointment=paid, amount=Decimal("50.00"))
    AppointmentFactory(patient=patient, patient_amount=Decimal("70.00"), status=Appointment.Status.CANCELLED)
    AppointmentFactory(patient_amount=Decimal("999.00"))  # someone else's
    with django_assert_num_queries(2):
        due = balances_due_for(user=patient)
    assert [(a.pk, b.due) for a, b in due] == [(owing.pk, Decimal("100.00"))]
    client.force_login(patient)
    page = client.get(reverse("payments:list")).content.decode()
    assert "To pay" in page and reverse("payments:appointment", args=[owing.pk]) in page
    dashboard = client.get(reverse("accounts:dashboard")).content.decode()
    assert "Please pay at the practice when you arrive." in dashboard and "USD 100.00" in dashboard
    assert "USD 999.00" not in dashboard

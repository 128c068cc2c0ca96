from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from portal.booking.tests.factories import AppointmentFactory
from portal.catalogue.tests.factories import PlanFactory
from portal.payments import services
from portal.payments.models import MedicalAidClaim, Payment
from portal.payments.selectors import appointment_balance

pytestmark = pytest.mark.django_db


@pytest.fixture
def covered():
    return AppointmentFactory(price=Decimal("500.00"), plan=PlanFactory(), covered_amount=Decimal("400.00"),
                              patient_amount=Decimal("100.00"))


def test_paid_claim_becomes_medical_aid_revenue_and_leaves_patient_balance(covered, reception):
    claim = services.claim_submit(appointment=covered, amount=Decimal("400"), reference="C-1", by=reception)
    claim = services.claim_record_paid(claim=claim, amount=Decimal("400"), by=reception)
    assert claim.status == MedicalAidClaim.Status.PAID
    assert claim.payment.method == Payment.Method.MEDICAL_AID_CLAIM and claim.payment.amount == Decimal("400.00")
    assert appointment_balance(covered).due == Decimal("100.00")


def test_short_paid_claim_moves_the_difference_to_the_patient(covered, reception):
    claim = services.claim_submit(appointment=covered, amount=Decimal("400"), by=reception)
    services.claim_record_paid(claim=claim, amount=Decimal("350"), by=reception)
    balance = appointment_balance(covered)
    assert balance.claim_shortfall == Decimal("50.00")
    assert balance.due == Decimal("150.00")


def test_rejected_claim_moves_the_whole_claim_to_the_patient(covered, reception):
    claim = services.claim_submit(appointment=covered, amount=Decimal("400"), by=reception)
    services.claim_record_rejected(claim=claim, reason="Benefit exhausted", by=reception)
    assert appointment_balance(covered).due == Decimal("500.00")
    assert not Payment.objects.exists()


def test_claim_outcome_recorded_once(covered, reception):
    claim = services.claim_submit(appointment=covered, amount=Decimal("400"), by=reception)
    services.claim_record_paid(claim=claim, amount=Decimal("400"), by=reception)
    with pytest.raises(ValidationError, match="already paid"):
        services.claim_record_rejected(claim=claim, reason="late", by=reception)
    with pytest.raises(ValidationError, match="already paid"):
        services.claim_record_paid(claim=claim, amount=Decimal("1"), by=reception)
    assert Payment.objects.count() == 1


@pytest.mark.parametrize("amount, message", [
    (Decimal("0"), "more than zero"), (Decimal("-1"), "more than zero"), (Decimal("400.01"), "more than")])
def test_claim_amounts_are_checked(covered, reception, amount, message):
    with pytest.raises(ValidationError, match=message):
        services.claim_submit(appointment=covered, amount=amount, by=reception)


def test_aid_cannot_pay_more_than_claimed(covered, reception):
    claim = services.claim_submit(appointment=covered, amount=Decimal("300"), by=reception)
    with pytest.raises(ValidationError, match="cannot be more than"):
        services.claim_record_paid(claim=claim, amount=Decimal("300.01"), by=reception)


def test_self_pay_appointment_has_nothing_to_claim(reception):
    with pytest.raises(ValidationError, match="no medical-aid cover"):
        services.claim_submit(appointment=AppointmentFactory(), amount=Decimal("10"), by=reception)


def test_claim_forms_through_the_page(covered, reception_client):
    url = reverse("payments:appointment", args=[covered.pk])
    assert "Medical-aid claim submitted" in reception_client.get(url).content.decode()
    reception_client.post(reverse("payments:claim_submit", args=[covered.pk]),
                          {"claim-amount": "400", "claim-reference": "C-9"})
    response = reception_client.post(reverse("payments:claim_outcome", args=[covered.pk]),
                                     {"outcome-outcome": "rejected", "outcome-reason": ""}, follow=True)
    assert "Give the reason the medical aid gave." in [str(m) for m in response.context["messages"]]
    response = reception_client.post(reverse("payments:claim_outcome", args=[covered.pk]),
                                     {"outcome-outcome": "rejected", "outcome-reason": "Not covered"}, follow=True)
    assert MedicalAidClaim.objects.get().status == MedicalAidClaim.Status.REJECTED
    assert appointment_balance(covered).due == Decimal("500.00")

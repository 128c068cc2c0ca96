"""selectors.with_balance_due (the SQL balance analytics sums) and balances_due_for agree with appointment_balance."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.utils import timezone

from portal.booking.models import Appointment
from portal.booking.tests.factories import AppointmentFactory
from portal.payments.models import MedicalAidClaim, Payment
from portal.payments.selectors import appointment_balance, with_balance_due
from portal.payments.tests.factories import PaymentFactory

pytestmark = pytest.mark.django_db
S = Appointment.Status
C = MedicalAidClaim.Status


def _claim(appointment, status, claimed, paid="0"):
    MedicalAidClaim.objects.create(appointment=appointment, status=status, amount_claimed=Decimal(claimed),
                                   amount_paid=Decimal(paid), submitted_at=timezone.now())


def test_the_sql_balance_due_equals_the_one_appointment_balance_in_every_case():
    unpaid = AppointmentFactory(status=S.COMPLETED, patient_amount=Decimal("100.00"))
    part_refunded = AppointmentFactory(status=S.COMPLETED, patient_amount=Decimal("100.00"))
    PaymentFactory(appointment=part_refunded, amount=Decimal("80.00"), refunded_amount=Decimal("30.00"),
                   status=Payment.Status.PARTIALLY_REFUNDED, method=Payment.Method.CASH)
    overpaid = AppointmentFactory(status=S.COMPLETED, patient_amount=Decimal("10.00"))
    PaymentFactory(appointment=overpaid, amount=Decimal("50.00"), method=Payment.Method.CASH)
    rejected = AppointmentFactory(status=S.COMPLETED, patient_amount=Decimal("20.00"))
    _claim(rejected, C.REJECTED, "200.00")  # the whole claim moves to the patient
    short_paid = AppointmentFactory(status=S.COMPLETED, patient_amount=Decimal("20.00"))
    _claim(short_paid, C.PAID, "200.00", paid="150.00")
    PaymentFactory(appointment=short_paid, amount=Decimal("150.00"), method=Payment.Method.MEDICAL_AID_CLAIM)
    submitted = AppointmentFactory(status=S.COMPLETED, patient_amount=Decimal("20.00"))
    _claim(submitted, C.SUBMITTED, "200.00")
    cancelled = AppointmentFactory(status=S.CANCELLED, patient_amount=Decimal("100.00"))
    missed = AppointmentFactory(status=S.NO_SHOW, patient_amount=Decimal("100.00"))
    pending = AppointmentFactory(status=S.CONFIRMED, patient_amount=Decimal("60.00"))
    PaymentFactory(appointment=pending, amount=Decimal("60.00"), status=Payment.Status.PENDING, paid_at=None,
                   method=Payment.Method.CARD_ONLINE)

    in_sql = dict(with_balance_due(Appointment.objects.all()).values_list("pk", "balance_due"))
    expected = {a.pk: appointment_balance(a).due for a in Appointment.objects.all()}
    assert in_sql == expected
    assert (in_sql[unpaid.pk], in_sql[part_refunded.pk], in_sql[overpaid.pk]) == (100, 50, 0)
    assert (in_sql[rejected.pk], in_sql[short_paid.pk], in_sql[submitted.pk]) == (220, 70, 20)
    assert (in_sql[cancelled.pk], in_sql[missed.pk], in_sql[pending.pk]) == (0, 0, 60)
    # The patient's "what is still to pay" (dashboard, payments list) agrees too, claims included.
    from portal.payments.selectors import balances_due_for

    for appointment in Appointment.objects.select_related("patient"):
        listed = {a.pk: balance.due for a, balance in balances_due_for(user=appointment.patient)}
        assert listed.get(appointment.pk, Decimal("0")) == expected[appointment.pk], appointment

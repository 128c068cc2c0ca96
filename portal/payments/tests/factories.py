from __future__ import annotations

from decimal import Decimal

import factory
from django.utils import timezone

from portal.booking.tests.factories import AppointmentFactory
from portal.payments.models import Payment


class PaymentFactory(factory.django.DjangoModelFactory):
    """A payment written directly (for reads); recording one goes through the services."""

    class Meta:
        model = Payment

    appointment = factory.SubFactory(AppointmentFactory)
    amount = Decimal("50.00")
    currency = "USD"
    method = Payment.Method.CASH
    status = Payment.Status.PAID
    paid_at = factory.LazyFunction(timezone.now)

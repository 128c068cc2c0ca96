from __future__ import annotations

import threading
from decimal import Decimal

import pytest
from django.db import connection
from django.test import Client

from portal.booking.tests.factories import AppointmentFactory
from portal.core import signals
from portal.payments.models import Payment, StripeEvent
from portal.payments.selectors import appointment_balance
from portal.payments.tests.factories import PaymentFactory
from portal.payments.tests.stripe_helpers import event, session_object, signed_post


@pytest.fixture
def restore_database_afterwards(django_db_blocker):
    """Real transactions (so two threads can race) end with a flush of every table, which would leave
    the kept (--reuse-db) test database without the roles, permissions and pages that migrations
    made. Requested before `transactional_db`, this is torn down after its flush and reloads them."""
    yield
    with django_db_blocker.unblock():
        contents = getattr(connection, "_test_serialized_contents", None)
        if contents:
            connection.creation.deserialize_db_from_string(contents)


def test_the_same_event_delivered_twice_concurrently_has_one_effect(
        restore_database_afterwards, django_db_serialized_rollback, transactional_db, stripe_keys):
    appointment = AppointmentFactory(patient_amount=Decimal("100.00"))
    payment = PaymentFactory(appointment=appointment, amount=Decimal("100.00"), method="card_online",
                             status="pending", paid_at=None, provider_session_id="cs_test_c")
    body = event(session_object(payment), event_id="evt_concurrent")
    received: list[int] = []
    signals.payment_received.connect(lambda sender, payment, **kw: received.append(payment.pk), weak=False,
                                     dispatch_uid="test-concurrent")
    barrier = threading.Barrier(2)
    answers: list[tuple[int, bytes]] = []
    errors: list[BaseException] = []

    def deliver() -> None:
        try:
            barrier.wait(timeout=10)
            response = signed_post(Client(), body)
            answers.append((response.status_code, response.content))
        except BaseException as error:  # noqa: BLE001 (reported by the assertion below)
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=deliver) for _ in range(2)]
    try:
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=30)
    finally:
        signals.payment_received.disconnect(dispatch_uid="test-concurrent")
    assert errors == []
    assert sorted(answers) == [(200, b"duplicate"), (200, b"paid")]
    assert StripeEvent.objects.filter(event_id="evt_concurrent").count() == 1
    payment.refresh_from_db()
    assert payment.status == Payment.Status.PAID
    assert received == [payment.pk]
    assert appointment_balance(appointment).due == Decimal("0.00")

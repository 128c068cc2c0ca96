"""Issue 19.5: the rename of `Delivery.kind` (the send-once key) to `key` and `Delivery.message`
(the kind) to `kind` keeps every row's data, and the exactly-once constraint holds on `key`."""

from __future__ import annotations

import pytest
from django.db import IntegrityError, connection, transaction
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

pytestmark = pytest.mark.django_db(transaction=True)
BEFORE = [("notifications", "0005_attendance_reply")]
AFTER = [("notifications", "0006_delivery_key_kind")]


def _migrate(target):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(target)
    return executor.loader.project_state(target).apps


@pytest.fixture
def back_to_the_latest_migrations():
    """The test walks the schema back; later tests on this database (and this worker) need every
    migration applied again, or they meet a table without its newest columns."""
    yield
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes())


def test_the_rename_keeps_key_and_kind_of_existing_deliveries(keep_migrated_data, back_to_the_latest_migrations):
    from portal.booking.tests.factories import AppointmentFactory

    appointment = AppointmentFactory()
    old = _migrate(BEFORE)
    OldDelivery = old.get_model("notifications", "Delivery")
    OldDelivery.objects.create(appointment_id=appointment.pk, recipient_id=appointment.patient_id,
                               kind="reminder_24h_20261128T0700Z", message="reminder", channel="sms",
                               due_at=timezone.now())
    new = _migrate(AFTER)
    Delivery = new.get_model("notifications", "Delivery")
    row = Delivery.objects.get()
    assert (row.key, row.kind) == ("reminder_24h_20261128T0700Z", "reminder")
    with pytest.raises(IntegrityError), transaction.atomic():
        Delivery.objects.create(appointment_id=appointment.pk, recipient_id=appointment.patient_id,
                                key="reminder_24h_20261128T0700Z", kind="reminder", channel="sms",
                                due_at=timezone.now())
    # Another key with the old kind is a new message.
    Delivery.objects.create(appointment_id=appointment.pk, recipient_id=appointment.patient_id,
                            key="reminder_2h_20261128T0700Z", kind="reminder", channel="sms", due_at=timezone.now())
    assert Delivery.objects.count() == 2

import pytest

from portal.booking.models import Appointment
from portal.booking.tests.factories import AppointmentFactory

pytestmark = pytest.mark.django_db


def test_appointment_factory_builds_a_consistent_appointment():
    appointment = AppointmentFactory()
    assert appointment.room.modality == appointment.scan_type.modality
    assert appointment.end > appointment.start
    assert Appointment.objects.active().filter(pk=appointment.pk).exists()

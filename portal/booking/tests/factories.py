from __future__ import annotations

import datetime as dt

import factory
from django.utils import timezone

from portal.accounts.roles import Role
from portal.accounts.tests.factories import UserFactory
from portal.booking.models import Appointment, OpeningHours, Room
from portal.catalogue.models import Modality
from portal.catalogue.tests.factories import ScanTypeFactory


class RoomFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Room
        django_get_or_create = ("name",)

    name = factory.Sequence(lambda n: f"Room {n}")
    modality = Modality.XRAY


class OpeningHoursFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = OpeningHours

    room = factory.SubFactory(RoomFactory)
    weekday = 0
    opens = dt.time(8, 0)
    closes = dt.time(17, 0)


def _next_slot(n: int) -> dt.datetime:
    base = timezone.localtime().replace(hour=9, minute=0, second=0, microsecond=0) + dt.timedelta(days=1)
    return base + dt.timedelta(minutes=30 * n)


class AppointmentFactory(factory.django.DjangoModelFactory):
    """An appointment written directly (tests of other apps); booking itself goes through services."""

    class Meta:
        model = Appointment

    patient = factory.SubFactory(UserFactory, roles=[Role.PATIENT])
    scan_type = factory.SubFactory(ScanTypeFactory)
    room = factory.SubFactory(RoomFactory, modality=factory.SelfAttribute("..scan_type.modality"))
    start = factory.Sequence(_next_slot)
    end = factory.LazyAttribute(lambda o: o.start + dt.timedelta(minutes=o.scan_type.duration_minutes))
    status = Appointment.Status.CONFIRMED
    requested_at = factory.LazyFunction(timezone.now)
    confirmed_at = factory.LazyFunction(timezone.now)
    price = factory.SelfAttribute("scan_type.price")
    patient_amount = factory.SelfAttribute("scan_type.price")
    booked_by = factory.SelfAttribute("patient")

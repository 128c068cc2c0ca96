from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from portal.accounts.roles import Role
from portal.accounts.tests.factories import enable_totp, user_with_role
from portal.booking.models import OpeningHours, Room
from portal.booking.tests.factories import RoomFactory
from portal.catalogue.models import Modality
from portal.catalogue.tests.factories import CoverRuleFactory, ScanTypeFactory
from portal.core.clock import practice_tz


def open_every_day(room: Room, opens=dt.time(8, 0), closes=dt.time(17, 0)) -> Room:
    for weekday in range(7):
        OpeningHours.objects.create(room=room, weekday=weekday, opens=opens, closes=closes)
    return room


def local(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=practice_tz()).astimezone(dt.UTC)


@pytest.fixture
def day() -> dt.date:
    """A bookable day: three days ahead (inside the horizon, past the lead time and cancel cutoff)."""
    return timezone.localdate() + dt.timedelta(days=3)


@pytest.fixture
def room(db) -> Room:
    return open_every_day(RoomFactory(name="X-ray A", modality=Modality.XRAY))


@pytest.fixture
def scan(db):
    return ScanTypeFactory(code="xr-chest", name="Chest X-ray", duration_minutes=15)


@pytest.fixture
def mri(db):
    open_every_day(RoomFactory(name="MRI A", modality=Modality.MRI))
    return ScanTypeFactory(
        code="mri-knee",
        name="MRI knee",
        modality=Modality.MRI,
        duration_minutes=45,
        mri_safety_screening=True,
        price="450.00",
    )


@pytest.fixture
def plan(db):
    rule = CoverRuleFactory(modality=Modality.XRAY, percent_covered="80", co_payment="5.00")
    return rule.plan


@pytest.fixture
def patient(db):
    return user_with_role(Role.PATIENT)


@pytest.fixture
def other_patient(db):
    return user_with_role(Role.PATIENT)


@pytest.fixture
def staff_user():
    def make(role: str):
        user = user_with_role(role)
        enable_totp(user)
        return user

    return make


@pytest.fixture
def committed_db(transactional_db):
    """Database access with real commits, so threads see each other's writes.

    A transactional test: the root conftest gives every such test a serialized rollback, so the rows
    migrations made (roles, Wagtail's root page and site) are put back before it runs, and the
    database is emptied after it. Threads must close their own connections.
    """
    from django.db import connection

    yield
    connection.close()

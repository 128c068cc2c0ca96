from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from portal.accounts.roles import Role
from portal.accounts.tests.factories import enable_totp, user_with_role
from portal.booking.models import OpeningHours, Room
from portal.booking.schedule import practice_tz
from portal.booking.tests.factories import RoomFactory
from portal.catalogue.models import Modality
from portal.catalogue.tests.factories import CoverRuleFactory, ScanTypeFactory


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
def committed_db(django_db_setup, django_db_blocker):
    """Database access with real commits, so threads see each other's writes.

    Like `django_db(transaction=True)`, but instead of flushing every table at the end (which
    wipes the rows data migrations made - the roles, Wagtail's root page and site - and so breaks
    the next `--reuse-db` run), it deletes exactly the rows the test added.
    """
    from django.apps import apps
    from django.contrib.sessions.models import Session
    from django.db import connection, models

    with django_db_blocker.unblock():

        def on_test_db() -> bool:
            name = str(connection.settings_dict["NAME"])
            return name == str((connection.settings_dict.get("TEST") or {}).get("NAME")) or name.startswith("test_")

        if not on_test_db():
            # pytest-django sets databases up only when some collected test is marked for them.
            from django.test.utils import setup_databases

            setup_databases(verbosity=0, interactive=False, keepdb=True, aliases={"default"})
        assert on_test_db(), "refusing to run on a non-test database"
        from portal.core.audit import AuditEvent

        integer_models = [  # the audit trail is append-only: its rows stay
            m for m in apps.get_models()
            if isinstance(m._meta.pk, models.AutoField | models.BigAutoField) and m is not AuditEvent
        ]
        before = {m: (m.objects.aggregate(top=models.Max("pk"))["top"] or 0) for m in integer_models}
        sessions = set(Session.objects.values_list("session_key", flat=True))
        try:
            yield
        finally:
            connection.close()
            Session.objects.exclude(session_key__in=sessions).delete()
            remaining = list(integer_models)
            for _ in range(6):  # PROTECTed links: delete in passes until nothing new is left
                left = []
                for model in remaining:
                    try:
                        model.objects.filter(pk__gt=before[model]).delete()
                    except models.ProtectedError:
                        left.append(model)
                remaining = left
                if not remaining:
                    break
            connection.close()

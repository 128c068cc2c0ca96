"""A signed-in request writes the session and allauth's activity at most once a minute; idle sessions still end."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from allauth.usersessions.models import UserSession
from django.contrib.sessions.models import Session
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from portal.accounts.roles import Role
from portal.accounts.tests.factories import PASSWORD, user_with_role
from portal.core.audit import AuditEvent

pytestmark = pytest.mark.django_db

START = dt.datetime(2026, 3, 2, 8, 0, tzinfo=dt.UTC)


def _writes(ctx, table: str) -> list[str]:
    return [q["sql"] for q in ctx.captured_queries
            if q["sql"].lstrip().split(None, 1)[0].upper() in ("INSERT", "UPDATE", "DELETE") and table in q["sql"]]


def _signed_in(client, role=Role.PATIENT):
    user = user_with_role(role)
    response = client.post(reverse("login"), {"login": user.email, "password": PASSWORD})
    assert response.status_code == 302
    return user


def test_a_second_request_within_a_minute_writes_neither_the_session_nor_the_activity(client):
    with time_machine.travel(START, tick=False) as traveller:
        _signed_in(client)
        client.get(reverse("accounts:dashboard"))
        traveller.shift(dt.timedelta(seconds=30))
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(reverse("accounts:dashboard")).status_code == 200
    assert _writes(ctx, "django_session") == []
    assert _writes(ctx, "usersessions_usersession") == []


def test_a_request_a_minute_later_moves_the_expiry_and_last_seen_on(client):
    with time_machine.travel(START, tick=False) as traveller:
        user = _signed_in(client)
        client.get(reverse("accounts:dashboard"))
        key = client.session.session_key
        expires = Session.objects.get(session_key=key).expire_date
        traveller.shift(dt.timedelta(seconds=61))
        client.get(reverse("accounts:dashboard"))
    assert Session.objects.get(session_key=key).expire_date == expires + dt.timedelta(seconds=61)
    assert UserSession.objects.get(user=user, session_key=key).last_seen_at == START + dt.timedelta(seconds=61)


def test_a_session_used_every_half_minute_never_idles_out(client):
    with time_machine.travel(START, tick=False) as traveller:
        _signed_in(client)
        for _ in range(100):  # 50 minutes of requests, each 30 s after the last
            assert client.get(reverse("accounts:dashboard")).status_code == 200
            traveller.shift(dt.timedelta(seconds=30))
        assert client.get(reverse("accounts:dashboard")).status_code == 200


def test_a_session_idle_for_the_timeout_ends_even_right_after_a_throttled_request(client):
    with time_machine.travel(START, tick=False) as traveller:
        _signed_in(client)
        client.get(reverse("accounts:dashboard"))  # refreshes: expiry 30 minutes from now
        traveller.shift(dt.timedelta(seconds=50))
        client.get(reverse("accounts:dashboard"))  # within the minute: not refreshed
        traveller.shift(dt.timedelta(minutes=29, seconds=11))  # 30 min after the refresh, 29m11s idle
        response = client.get(reverse("accounts:dashboard"))
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))


def test_becoming_staff_shortens_the_expiry_at_once(client):
    from django.contrib.auth.models import Group

    with time_machine.travel(START, tick=False):
        user = _signed_in(client)
        client.get(reverse("accounts:dashboard"))
        assert client.session.get_expiry_age() == 30 * 60
        user.groups.add(Group.objects.get(name=Role.RECEPTION))
        client.get(reverse("accounts:dashboard"))
        assert client.session.get_expiry_age() == 15 * 60


def test_every_patient_data_request_is_still_audited_with_one_insert(client):
    with time_machine.travel(START, tick=False):
        user = _signed_in(client)
        for _ in range(3):
            with CaptureQueriesContext(connection) as ctx:
                client.get(reverse("accounts:profile"))
            assert len(_writes(ctx, "core_auditevent")) == 1
            assert not [q for q in ctx.captured_queries
                        if "core_auditevent" in q["sql"] and q["sql"].lstrip().upper().startswith("SELECT")]
    assert AuditEvent.objects.filter(actor=user, view_name="accounts:profile").count() == 3


def test_the_session_expiry_is_stored_when_the_session_starts(client):
    before = timezone.now()
    _signed_in(client)
    client.get(reverse("accounts:dashboard"))
    stored = Session.objects.get(session_key=client.session.session_key).expire_date
    assert before + dt.timedelta(minutes=29) < stored <= timezone.now() + dt.timedelta(minutes=30)

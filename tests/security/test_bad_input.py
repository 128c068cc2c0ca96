"""Issue 13, item 8: a user's typo gets a clear answer, never a 500 (nor a traceback in the log)."""

from __future__ import annotations

import logging

import pytest
from django.urls import reverse

from portal.accounts.roles import Role
from portal.accounts.tests.factories import enable_totp, user_with_role
from portal.booking.tests.factories import AppointmentFactory

pytestmark = pytest.mark.django_db


def _staff(client, role):
    user = user_with_role(role)
    enable_totp(user)
    client.force_login(user)
    return user


@pytest.mark.parametrize("query", ['"', '"unbalanced', "*", "NEAR(", "a AND OR", "'); --", "^x:y", "-"])
def test_site_search_answers_full_text_syntax_with_results_or_none(client, caplog, query):
    with caplog.at_level(logging.ERROR):
        response = client.get(reverse("cms:search"), {"q": query})
    assert response.status_code == 200
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]


def test_an_unknown_analytics_csv_name_is_a_message(client, caplog):
    _staff(client, Role.MANAGER)
    with caplog.at_level(logging.ERROR):
        response = client.get(reverse("analytics:dashboard"), {"csv": "no-such-table"})
    assert response.status_code == 200
    assert "There is no table of that name to download." in response.content.decode()
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]


@pytest.mark.parametrize("name", ["booking:move_slots", "booking:move"])
@pytest.mark.parametrize("room", ["abc", "-1", "1.5", "9999999999999999999999"])
def test_a_room_that_is_not_a_number_falls_back_to_the_appointments_room(client, caplog, name, room):
    _staff(client, Role.RECEPTION)
    appointment = AppointmentFactory()
    with caplog.at_level(logging.ERROR):
        response = client.get(reverse(name, args=[appointment.pk]), {"room": room}, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]

"""Notification preferences over the API, under the web form's rules."""

from __future__ import annotations

import pytest

from portal.accounts.roles import Role
from portal.accounts.tests.factories import app_token, user_with_role

pytestmark = pytest.mark.django_db
URL = "/api/v1/notification-preferences"
PREFS = {"notify_by_email": True, "notify_by_sms": False, "sms_opted_out": False, "quiet_hours": True,
         "quiet_start": "21:00", "quiet_end": "07:00"}


def test_read_and_change_preferences(client):
    patient = user_with_role(Role.PATIENT)
    token = app_token(client, patient)
    assert client.get(URL, HTTP_X_SESSION_TOKEN=token).status_code == 200
    response = client.put(URL, {**PREFS, "notify_by_email": False}, content_type="application/json",
                          HTTP_X_SESSION_TOKEN=token)
    assert response.status_code == 200, response.content
    patient.refresh_from_db()
    assert patient.notify_by_email is False


def test_sms_without_a_phone_number_is_refused(client):
    patient = user_with_role(Role.PATIENT, phone="")
    token = app_token(client, patient)
    response = client.put(URL, {**PREFS, "notify_by_sms": True}, content_type="application/json",
                          HTTP_X_SESSION_TOKEN=token)
    assert response.status_code == 400
    assert "mobile number" in response.json()["detail"]
    patient.refresh_from_db()
    assert patient.notify_by_sms is False

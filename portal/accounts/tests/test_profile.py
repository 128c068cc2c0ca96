from __future__ import annotations

import pytest
from django.urls import reverse

from portal.accounts.roles import Role
from portal.accounts.tests.factories import user_with_role

pytestmark = pytest.mark.django_db


def test_profile_edit_saves_e164_phone_and_channels(client):
    patient = user_with_role(Role.PATIENT)
    client.force_login(patient)
    response = client.post(
        reverse("accounts:profile"),
        {"first_name": "Rudo", "last_name": "Ncube", "phone": "077 123 4567", "date_of_birth": "1970-02-03",
         "sex": "F", "notify_by_email": "on", "notify_by_sms": "on"},
    )
    assert response.status_code == 302
    patient.refresh_from_db()
    assert str(patient.phone) == "+263771234567"
    assert patient.sex == "F"
    assert patient.notify_by_sms and patient.notify_by_email


def test_profile_bad_input_gets_a_message_and_changes_nothing(client):
    patient = user_with_role(Role.PATIENT, first_name="Before")
    client.force_login(patient)
    response = client.post(
        reverse("accounts:profile"),
        {"first_name": "After", "last_name": "X", "phone": "12", "date_of_birth": "2990-01-01", "notify_by_sms": "on",
         "sex": "X"},
    )
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert "phone" in errors and "date_of_birth" in errors and "sex" in errors
    patient.refresh_from_db()
    assert patient.first_name == "Before"


def test_sms_without_a_phone_is_refused(client):
    patient = user_with_role(Role.PATIENT)
    client.force_login(patient)
    response = client.post(reverse("accounts:profile"), {"first_name": "A", "last_name": "B", "notify_by_sms": "on"})
    assert "phone" in response.context["form"].errors


def test_dashboard_greets_each_role(client):
    for role in [Role.PATIENT, Role.REFERRING_DOCTOR]:
        user = user_with_role(role)
        client.force_login(user)
        assert f"Signed in as {role}" in client.get(reverse("accounts:dashboard")).content.decode()

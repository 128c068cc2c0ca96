"""The feedback API: once per completed visit, validated ranges, another patient's visit is 404."""

from __future__ import annotations

import pytest

from portal.accounts.roles import Role
from portal.accounts.tests.factories import app_token, user_with_role
from portal.feedback.models import Feedback
from portal.reports.tests.factories import completed_appointment

pytestmark = pytest.mark.django_db
GOOD = {"overall": 5, "waiting_time": 4, "staff": 5, "recommend": 9, "comments": "Quick and kind."}


def post(client, appointment, token, data):
    return client.post(f"/api/v1/appointments/{appointment.pk}/feedback", data, content_type="application/json",
                       HTTP_X_SESSION_TOKEN=token)


def test_feedback_once_for_a_completed_visit(client):
    patient = user_with_role(Role.PATIENT)
    visit = completed_appointment(patient=patient)
    token = app_token(client, patient)
    assert post(client, visit, token, GOOD).status_code == 201
    again = post(client, visit, token, GOOD)
    assert again.status_code == 400 and "already" in again.json()["detail"]
    assert Feedback.objects.count() == 1


def test_out_of_range_scores_are_422_and_nothing_saved(client):
    patient = user_with_role(Role.PATIENT)
    visit = completed_appointment(patient=patient)
    response = post(client, visit, app_token(client, patient), {**GOOD, "overall": 6})
    assert response.status_code == 422
    assert not Feedback.objects.exists()


def test_another_patients_visit_is_404(client):
    visit = completed_appointment()
    intruder = user_with_role(Role.PATIENT)
    assert post(client, visit, app_token(client, intruder), GOOD).status_code == 404
    assert not Feedback.objects.exists()

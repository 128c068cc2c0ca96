"""The reports API: the patient's released reports, detail and PDF recorded "via the app";
another patient's report is 404 (and the refusal is recorded)."""

from __future__ import annotations

import pytest

from portal.accounts.roles import Role
from portal.accounts.tests.factories import app_token, user_with_role
from portal.reports.models import ReportAccess
from portal.reports.tests.factories import completed_appointment, signed_report

pytestmark = pytest.mark.django_db


@pytest.fixture
def patient():
    return user_with_role(Role.PATIENT)


@pytest.fixture
def report(patient):
    return signed_report(appointment=completed_appointment(patient=patient))


def get(client, path, token):
    return client.get(f"/api/v1{path}", HTTP_X_SESSION_TOKEN=token)


def test_list_my_released_reports(client, patient, report):
    signed_report()  # someone else's
    body = get(client, "/reports", app_token(client, patient)).json()
    assert [r["id"] for r in body["items"]] == [report.pk]
    assert body["items"][0]["signed_at"].endswith("+02:00")


def test_detail_is_recorded_via_the_api(client, patient, report):
    response = get(client, f"/reports/{report.pk}", app_token(client, patient))
    assert response.status_code == 200
    assert response.json()["impression"] == "Normal chest radiograph."
    access = ReportAccess.objects.get(report=report)
    assert (access.action, access.via, access.user_id) == ("view", "api", patient.pk)


def test_pdf_download_is_recorded_via_the_api(client, patient, report):
    response = get(client, f"/reports/{report.pk}/pdf", app_token(client, patient))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf" and response.content.startswith(b"%PDF")
    assert ReportAccess.objects.filter(report=report, action="download", via="api").count() == 1


def test_another_patients_report_is_404_and_the_attempt_recorded(client, report):
    intruder = user_with_role(Role.PATIENT)
    token = app_token(client, intruder)
    for path in (f"/reports/{report.pk}", f"/reports/{report.pk}/pdf"):
        response = get(client, path, token)
        assert response.status_code == 404
        assert response["Content-Type"] == "application/problem+json"
    assert ReportAccess.objects.filter(report=report, action="denied", via="api", user=intruder).count() == 2

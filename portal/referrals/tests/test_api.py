"""Referral letters over the API: upload (checked by content), then book a scan that needs one."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from portal.accounts.tests.factories import app_token
from portal.booking.models import Appointment
from portal.booking.tests.conftest import local
from portal.catalogue.tests.factories import ScanTypeFactory
from portal.referrals.models import Referral
from portal.reports.tests.factories import PDF_BYTES

pytestmark = pytest.mark.django_db


def upload(client, token, content=PDF_BYTES, name="letter.pdf", **data):
    return client.post("/api/v1/referrals", {"file": SimpleUploadedFile(name, content), **data},
                       HTTP_X_SESSION_TOKEN=token)


def test_upload_then_book_a_scan_that_needs_a_referral(client, patient, room, day):
    scan = ScanTypeFactory(code="xr-ref", needs_referral=True)
    token = app_token(client, patient)
    response = upload(client, token, doctor_name="Dr Moyo", scan_type=scan.code)
    assert response.status_code == 201, response.content
    referral_id = response.json()["id"]
    booked = client.post("/api/v1/appointments", {"scan_type": scan.code, "start": local(day, 9).isoformat(),
                                                  "referral_id": referral_id},
                         content_type="application/json", HTTP_X_SESSION_TOKEN=token)
    assert booked.status_code == 201, booked.content
    assert booked.json()["status"] == "requested"  # reception checks the letter first
    assert Referral.objects.get(pk=referral_id).appointment_id == booked.json()["id"]


def test_a_file_that_is_not_a_letter_is_refused(client, patient):
    response = upload(client, app_token(client, patient), content=b"MZ\x90\x00 not a pdf", name="letter.pdf")
    assert response.status_code == 400
    assert response["Content-Type"] == "application/problem+json"
    assert not Referral.objects.exists()


def test_someone_elses_letter_cannot_be_used_to_book(client, patient, other_patient, room, day):
    scan = ScanTypeFactory(code="xr-ref2", needs_referral=True)
    theirs = upload(client, app_token(client, other_patient)).json()["id"]
    response = client.post("/api/v1/appointments", {"scan_type": scan.code, "start": local(day, 9).isoformat(),
                                                    "referral_id": theirs},
                           content_type="application/json", HTTP_X_SESSION_TOKEN=app_token(client, patient))
    assert response.status_code == 400
    assert not Appointment.objects.exists()

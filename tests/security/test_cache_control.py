"""Issue 13, item 9: every response to a signed-in user is `Cache-Control: private, no-store`."""

from __future__ import annotations

import pytest
from django.urls import reverse

from portal.payments.tests.factories import PaymentFactory
from portal.reports.tests.factories import signed_report

pytestmark = pytest.mark.django_db


def test_patient_pages_files_and_downloads_are_never_cached(client):
    payment = PaymentFactory()
    appointment = payment.appointment
    patient = appointment.patient
    report = signed_report()
    report.appointment.patient = patient
    report.appointment.save()
    client.force_login(patient)
    urls = [
        reverse("booking:detail", args=[appointment.pk]),
        reverse("booking:calendar", args=[appointment.pk]),
        reverse("payments:receipt", args=[payment.pk]),
        reverse("payments:receipt_pdf", args=[payment.pk]),
        reverse("accounts:dashboard"),
        reverse("accounts:profile"),
        reverse("reports:mine"),
        reverse("reports:view", args=[report.pk]),
        reverse("reports:download", args=[report.pk]),
        "/",  # a public page, seen signed in
    ]
    for url in urls:
        response = client.get(url)
        assert response.status_code == 200, url
        assert "no-store" in response["Cache-Control"] and "private" in response["Cache-Control"], url


def test_anonymous_public_pages_keep_their_own_caching(client):
    response = client.get("/")
    assert "no-store" not in response.get("Cache-Control", "")

"""Reconciliation by staff, the radiologist's editor panel, and accession numbers at booking
(no Orthanc needed: the studies are rows as the change feed would have written them)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from portal.accounts.roles import Role
from portal.accounts.tests.factories import enable_totp, user_with_role
from portal.booking.models import Appointment
from portal.booking.tests.factories import AppointmentFactory
from portal.catalogue.tests.factories import ScanTypeFactory
from portal.imaging.models import Study
from portal.reports import services as report_services
from portal.reports.tests.factories import completed_appointment, radiologist, signed_report

pytestmark = pytest.mark.django_db

SERIES = [{"id": "series-a", "number": 1, "description": "Axial", "modality": "CT", "instances": ["i1", "i2"]}]


def study_row(*, appointment=None, status=Study.Status.LINKED, **kwargs) -> Study:
    return Study.objects.create(
        orthanc_id=kwargs.pop("orthanc_id", f"orthanc-{Study.objects.count() + 1}"),
        study_instance_uid=appointment.study_instance_uid if appointment else "2.25.1",
        accession_number=appointment.accession_number if appointment else "RAUNKNOWN",
        appointment=appointment if status == Study.Status.LINKED else None, status=status, series=SERIES,
        series_count=1, instance_count=2, modality="CT", **kwargs)


def staff(role: str):
    user = user_with_role(role)
    enable_totp(user)
    return user


def test_reception_attaches_an_unmatched_study_and_the_patient_then_sees_it(client):
    appointment = completed_appointment()
    signed_report(appointment=appointment)
    study = study_row(status=Study.Status.RECONCILE, problem="No appointment has accession number RAUNKNOWN.")
    client.force_login(appointment.patient)
    assert client.get(reverse("imaging:study", args=[study.pk])).status_code == 404
    client.force_login(staff(Role.RECEPTION))
    response = client.post(reverse("imaging:reconcile_study", args=[study.pk]),
                           {"action": "attach", "appointment": appointment.pk})
    assert response.status_code == 302
    study.refresh_from_db()
    assert (study.status, study.appointment_id) == (Study.Status.LINKED, appointment.pk)
    client.force_login(appointment.patient)
    assert client.get(reverse("imaging:study", args=[study.pk])).status_code == 200


def test_a_rejected_study_stays_hidden_and_cannot_be_attached_afterwards(client):
    appointment = completed_appointment()
    study = study_row(status=Study.Status.RECONCILE)
    client.force_login(staff(Role.RADIOGRAPHER))
    client.post(reverse("imaging:reconcile_study", args=[study.pk]), {"action": "reject"})
    response = client.post(reverse("imaging:reconcile_study", args=[study.pk]),
                           {"action": "attach", "appointment": appointment.pk}, follow=True)
    assert "already been dealt with" in response.content.decode()
    study.refresh_from_db()
    assert (study.status, study.appointment_id) == (Study.Status.REJECTED, None)


def test_a_patient_cannot_reach_the_reconciliation_list_or_attach(client):
    study = study_row(status=Study.Status.RECONCILE)
    patient = user_with_role(Role.PATIENT)
    client.force_login(patient)
    assert client.get(reverse("imaging:reconcile")).status_code == 403
    client.post(reverse("imaging:reconcile_study", args=[study.pk]), {"action": "reject"})
    study.refresh_from_db()
    assert study.status == Study.Status.RECONCILE


def test_the_report_editor_shows_the_study_and_the_priors_of_the_same_body_part(client, settings):
    settings.PACS_URL = "http://127.0.0.1:9"  # configured; the page itself needs no answer from Orthanc
    knee = ScanTypeFactory(body_part="Knee")
    now = dt.datetime.now(dt.UTC)
    appointment = completed_appointment(scan_type=knee)
    earlier = completed_appointment(patient=appointment.patient, scan_type=ScanTypeFactory(body_part="Knee"),
                                    hours_ago=24 * 30)
    other_part = completed_appointment(patient=appointment.patient, scan_type=ScanTypeFactory(body_part="Chest"),
                                       hours_ago=24 * 20)
    study = study_row(appointment=appointment)
    prior = study_row(appointment=earlier, study_date=(now - dt.timedelta(days=30)).date())
    study_row(appointment=other_part)
    prior_report = signed_report(appointment=earlier)
    writer = radiologist()
    draft = report_services.report_start(appointment=appointment, radiologist=writer)
    client.force_login(writer)
    page = client.get(reverse("reports:edit", args=[draft.pk])).content.decode()
    assert reverse("imaging:preview", args=[study.pk, "i1"]) in page
    assert reverse("imaging:study", args=[prior.pk]) in page
    assert reverse("reports:view", args=[prior_report.pk]) in page
    assert "Chest" not in page.split("Priors")[1].split("</div></div>")[0]


def test_every_booking_gets_its_own_accession_number_and_study_uid():
    first, second = AppointmentFactory(), AppointmentFactory()
    assert first.accession_number != second.accession_number
    assert first.study_instance_uid.startswith("2.25.") and len(first.study_instance_uid) <= 64
    assert len(first.accession_number) <= 16
    assert Appointment.objects.filter(accession_number=first.accession_number).count() == 1


def test_the_referring_doctor_sees_the_images_from_the_reports_signature_and_another_doctor_never(client):
    from portal.reports.tests.factories import referral_for, verified_doctor

    appointment = completed_appointment()
    doctor, other = verified_doctor(), verified_doctor()
    referral_for(appointment=appointment, doctor_user=doctor)
    study = study_row(appointment=appointment)
    url = reverse("imaging:study", args=[study.pk])
    client.force_login(doctor)
    assert client.get(url).status_code == 404
    signed_report(appointment=appointment)
    assert client.get(url).status_code == 200
    client.force_login(other)
    assert client.get(url).status_code == 404

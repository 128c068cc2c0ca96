"""FHIR R4: who may read what, searches and their parameters, Bundles with next links,
OperationOutcome errors, audit rows, and resources that parse with fhir.resources R4B."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Permission
from django.utils import timezone
from fhir.resources.R4B import get_fhir_model_class

from portal.accounts.roles import Role
from portal.accounts.tests.factories import app_token, enable_totp, user_with_role
from portal.core.audit import AuditEvent
from portal.reports.models import ReportAccess
from portal.reports.tests.factories import completed_appointment, referral_for, signed_report, verified_doctor

pytestmark = pytest.mark.django_db
BASE = "/fhir/r4"


def get(client, path, token=None, **extra):
    headers = {"HTTP_AUTHORIZATION": f"Bearer {token}"} if token else {}
    return client.get(f"{BASE}/{path}", **headers, **extra)


def parse(resource: dict):
    return get_fhir_model_class(resource["resourceType"]).model_validate(resource)


@pytest.fixture
def patient():
    return user_with_role(Role.PATIENT)


@pytest.fixture
def report(patient):
    return signed_report(appointment=completed_appointment(patient=patient))


def test_metadata_is_a_capability_statement(client):
    response = get(client, "metadata")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/fhir+json")
    statement = parse(response.json())
    types = {r.type for r in statement.rest[0].resource}
    assert {"Patient", "Practitioner", "Appointment", "ServiceRequest", "DiagnosticReport", "ImagingStudy"} <= types


def test_without_a_token_is_401_operation_outcome(client):
    response = get(client, "Patient")
    assert response.status_code == 401
    assert parse(response.json()).issue[0].code == "login"


def test_a_patient_reads_only_themself(client, patient):
    other = user_with_role(Role.PATIENT)
    token = app_token(client, patient)
    bundle = get(client, "Patient", token).json()
    assert bundle["type"] == "searchset" and bundle["total"] == 1
    assert bundle["entry"][0]["resource"]["id"] == str(patient.pk)
    assert bundle["entry"][0]["resource"]["identifier"][0]["value"] == f"P{patient.pk:06d}"
    assert "gender" not in bundle["entry"][0]["resource"]  # not given: left out, never guessed
    patient.sex = patient.Sex.FEMALE
    patient.save(update_fields=["sex"])
    assert get(client, f"Patient/{patient.pk}", token).json()["gender"] == "female"
    assert get(client, f"Patient/{other.pk}", token).status_code == 404


def test_a_patients_diagnostic_report_has_the_conclusion_and_pdf(client, patient, report):
    token = app_token(client, patient)
    resource = get(client, f"DiagnosticReport/{report.pk}", token).json()
    model = parse(resource)
    assert model.status == "final" and model.conclusion == "Normal chest radiograph."
    assert model.presentedForm[0].contentType == "application/pdf"
    pdf = client.get(model.presentedForm[0].url.replace("http://testserver", ""), HTTP_AUTHORIZATION=f"Bearer {token}",
                     HTTP_ACCEPT="application/pdf")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    assert set(ReportAccess.objects.filter(report=report, via="fhir").values_list("action", flat=True)) == {
        "view", "download"}


def test_a_referring_doctor_sees_referred_patients_only(client, patient, report):
    doctor = verified_doctor()
    referral_for(appointment=report.appointment, doctor_user=doctor)
    stranger = user_with_role(Role.PATIENT)
    signed_report(appointment=completed_appointment(patient=stranger))
    token = app_token(client, doctor)
    assert [e["resource"]["id"] for e in get(client, "Patient", token).json()["entry"]] == [str(patient.pk)]
    assert get(client, f"Patient/{stranger.pk}", token).status_code == 404
    reports = get(client, "DiagnosticReport", token).json()
    assert [e["resource"]["id"] for e in reports["entry"]] == [str(report.pk)]
    assert reports["entry"][0]["resource"]["basedOn"][0]["reference"].startswith("ServiceRequest/")


def test_a_doctor_cannot_read_a_patient_they_did_not_refer(client, patient, report):
    doctor = verified_doctor()
    token = app_token(client, doctor)
    response = get(client, f"Patient/{patient.pk}", token)
    assert response.status_code == 404
    assert parse(response.json()).issue[0].code == "not-found"
    assert get(client, f"DiagnosticReport/{report.pk}", token).status_code == 404


def test_staff_with_fhir_export_see_everyone(client, patient, report):
    staff = user_with_role(Role.MANAGER)
    secret = enable_totp(staff)
    staff.user_permissions.add(Permission.objects.get(codename="export_fhir"))
    token = app_token(client, staff, totp_secret=secret)
    user_with_role(Role.PATIENT)
    assert get(client, "Patient", token).json()["total"] == 2


def test_searches_page_with_next_links(client, patient):
    for hours in (3, 30, 60):
        completed_appointment(patient=patient, hours_ago=hours)
    token = app_token(client, patient)
    first = get(client, "Appointment?_count=2", token).json()
    assert first["total"] == 3 and len(first["entry"]) == 2
    next_url = next(link["url"] for link in first["link"] if link["relation"] == "next")
    second = client.get(next_url.replace("http://testserver", ""), HTTP_AUTHORIZATION=f"Bearer {token}").json()
    assert len(second["entry"]) == 1
    assert not any(link["relation"] == "next" for link in second["link"])


def test_date_and_status_search(client, patient):
    recent = completed_appointment(patient=patient, hours_ago=3)
    completed_appointment(patient=patient, hours_ago=24 * 10)
    token = app_token(client, patient)
    day = timezone.localdate(recent.start).isoformat()
    bundle = get(client, f"Appointment?date=ge{day}&status=fulfilled&patient=Patient/{patient.pk}", token).json()
    assert [e["resource"]["id"] for e in bundle["entry"]] == [str(recent.pk)]
    assert get(client, "Appointment?status=booked", token).json()["total"] == 0


def test_an_unsupported_search_parameter_is_400_operation_outcome(client, patient):
    response = get(client, "Appointment?name=smith", app_token(client, patient))
    assert response.status_code == 400
    outcome = parse(response.json())
    assert outcome.issue[0].code == "not-supported" and "name" in outcome.issue[0].diagnostics


def test_a_bad_date_is_400(client, patient):
    assert get(client, "Appointment?date=ge2026-13-45", app_token(client, patient)).status_code == 400


def test_writes_are_refused(client, patient):
    response = client.post(f"{BASE}/Patient", {}, HTTP_AUTHORIZATION=f"Bearer {app_token(client, patient)}")
    assert response.status_code == 405


def test_every_read_is_in_the_audit_trail(client, patient, report):
    token = app_token(client, patient)
    get(client, "DiagnosticReport", token)
    get(client, f"Patient/{patient.pk}", token)
    events = list(AuditEvent.objects.filter(view_name__startswith="fhir:").order_by("at"))
    assert [e.view_name for e in events] == ["fhir:diagnostic_report_search", "fhir:patient_read"]
    assert events[0].object_ids == {"DiagnosticReport": str(report.pk)}
    assert events[0].actor_id == patient.pk


def _study(appointment):
    from portal.imaging.models import Study

    return Study.objects.create(
        orthanc_id=f"orthanc-{appointment.pk}", study_instance_uid=appointment.study_instance_uid,
        accession_number=appointment.accession_number, appointment=appointment, status=Study.Status.LINKED,
        series=[], series_count=2, instance_count=40, modality="CT\\SR", description="CT abdomen")


def test_imaging_studies_are_read_by_their_patient_and_referring_doctor_only(client, patient, report):
    """ImagingStudy follows the image rules: the patient once the report is out, the referring
    doctor of that visit; a stranger's study and an unreported one are not listed (404 when asked)."""
    study = _study(report.appointment)
    unreported = _study(completed_appointment(patient=patient, hours_ago=30))
    strangers = _study(signed_report(appointment=completed_appointment()).appointment)

    token = app_token(client, patient)
    bundle = get(client, "ImagingStudy", token).json()
    assert [e["resource"]["id"] for e in bundle["entry"]] == [str(study.pk)]
    model = parse(bundle["entry"][0]["resource"])
    assert model.identifier[0].value == f"urn:oid:{report.appointment.study_instance_uid}"
    assert (model.numberOfSeries, model.numberOfInstances) == (2, 40)
    assert sorted(m.code for m in model.modality) == ["CT", "SR"]
    assert model.subject.reference == f"Patient/{patient.pk}"
    assert model.basedOn[0].reference == f"Appointment/{report.appointment_id}"
    for hidden in (unreported, strangers):
        assert get(client, f"ImagingStudy/{hidden.pk}", token).status_code == 404

    doctor = verified_doctor()
    referral_for(appointment=report.appointment, doctor_user=doctor)
    doctor_token = app_token(client, doctor)
    assert [e["resource"]["id"] for e in get(client, "ImagingStudy", doctor_token).json()["entry"]] == [str(study.pk)]
    assert get(client, f"ImagingStudy/{strangers.pk}", doctor_token).status_code == 404
    assert AuditEvent.objects.filter(path__contains="/fhir/r4/ImagingStudy").exists()


def test_imaging_study_search_by_patient_and_start(client, patient, report):
    study = _study(report.appointment)
    token = app_token(client, patient)
    day = timezone.localdate(report.appointment.start).isoformat()  # the local (Harare) day the search means
    assert get(client, f"ImagingStudy?patient=Patient/{patient.pk}&started={day}", token).json()["total"] == 1
    assert get(client, "ImagingStudy?started=lt2000-01-01", token).json()["total"] == 0
    assert get(client, "ImagingStudy?modality=CT", token).status_code == 400  # not a supported parameter
    assert study.pk

"""A real FHIR client (fhirclient, SMART on FHIR's Python client) reads a patient's records from the
live server, following the Bundles' next links; every resource also parses with fhir.resources R4B."""

from __future__ import annotations

import pytest
from django.test import Client
from fhir.resources.R4B import get_fhir_model_class
from fhirclient import client as fhir_client
from fhirclient.models.appointment import Appointment
from fhirclient.models.diagnosticreport import DiagnosticReport
from fhirclient.models.patient import Patient
from fhirclient.models.servicerequest import ServiceRequest

from portal.accounts.roles import Role
from portal.accounts.tests.factories import app_token, user_with_role
from portal.reports.tests.factories import completed_appointment, referral_for, signed_report, verified_doctor


@pytest.fixture
def records(transactional_db):
    patient = user_with_role(Role.PATIENT, phone="+263771234567")
    doctor = verified_doctor()
    for hours in (3, 50, 100):
        appointment = completed_appointment(patient=patient, hours_ago=hours)
        referral_for(appointment=appointment, doctor_user=doctor)
        signed_report(appointment=appointment)
    signed_report(appointment=completed_appointment())  # another patient's
    return patient, doctor


def _smart(live_server, token: str):
    smart = fhir_client.FHIRClient(settings={"app_id": "portal-test", "api_base": f"{live_server.url}/fhir/r4/"})
    smart.server.session.headers["Authorization"] = f"Bearer {token}"
    return smart


@pytest.mark.parametrize("role", ["patient", "doctor"])
def test_fhirclient_reads_the_patients_bundles_and_each_resource_parses(live_server, records, role):
    patient, doctor = records
    token = app_token(Client(), patient if role == "patient" else doctor)
    smart = _smart(live_server, token)
    read = {}
    for model in (Patient, Appointment, ServiceRequest, DiagnosticReport):
        struct = {"_count": "2"} if model is Patient else {"patient": str(patient.pk), "_count": "2"}
        # perform_resources_iter follows the searchset's `next` links page by page.
        resources = list(model.where(struct=struct).perform_resources_iter(smart.server))
        read[model.__name__] = resources
        for resource in resources:
            as_json = resource.as_json()
            get_fhir_model_class(as_json["resourceType"]).model_validate(as_json)
    assert [p.id for p in read["Patient"]] == [str(patient.pk)]
    assert len(read["Appointment"]) == 3 and len(read["ServiceRequest"]) == 3
    assert len(read["DiagnosticReport"]) == 3
    assert {r.subject.reference for r in read["DiagnosticReport"]} == {f"Patient/{patient.pk}"}
    assert all(r.conclusion for r in read["DiagnosticReport"])


def test_fhirclient_gets_404_for_a_patient_the_doctor_did_not_refer(live_server, records):
    from fhirclient.server import FHIRNotFoundException

    _, doctor = records
    stranger = user_with_role(Role.PATIENT)
    smart = _smart(live_server, app_token(Client(), doctor))
    with pytest.raises(FHIRNotFoundException):
        Patient.read(str(stranger.pk), smart.server)

"""The portal's records as FHIR R4 resources, built with fhir.resources' R4B models (so each one
is validated by construction) and returned as JSON-ready dicts."""

from __future__ import annotations

import base64

from django.utils import timezone
from fhir.resources.R4B.appointment import Appointment as FhirAppointment
from fhir.resources.R4B.diagnosticreport import DiagnosticReport
from fhir.resources.R4B.imagingstudy import ImagingStudy
from fhir.resources.R4B.patient import Patient
from fhir.resources.R4B.practitioner import Practitioner
from fhir.resources.R4B.servicerequest import ServiceRequest

from portal.accounts.models import User
from portal.accounts.permissions import can
from portal.booking.models import Appointment
from portal.fhir.search import system
from portal.imaging.models import Study
from portal.referrals.models import Referral
from portal.reports.models import Report

FHIR_GENDER = {User.Sex.FEMALE: "female", User.Sex.MALE: "male", User.Sex.OTHER: "other"}

APPOINTMENT_STATUS = {
    Appointment.Status.REQUESTED: "pending",
    Appointment.Status.CONFIRMED: "booked",
    Appointment.Status.CHECKED_IN: "checked-in",
    Appointment.Status.COMPLETED: "fulfilled",
    Appointment.Status.CANCELLED: "cancelled",
    Appointment.Status.NO_SHOW: "noshow",
}
REFERRAL_STATUS = {
    Referral.Status.RECEIVED: "active",
    Referral.Status.BOOKED: "active",
    Referral.Status.SCANNED: "active",
    Referral.Status.REPORTED: "completed",
    Referral.Status.CANCELLED: "revoked",
}
RADIOLOGY = {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/v2-0074", "code": "RAD",
                         "display": "Radiology"}]}
IMAGING_REPORT = {"coding": [{"system": "http://loinc.org", "code": "18748-4",
                              "display": "Diagnostic imaging study"}]}


def _dump(model) -> dict:
    return model.model_dump(mode="json", exclude_none=True)


def _instant(value) -> str | None:
    return timezone.localtime(value).isoformat(timespec="seconds") if value else None


def _meta(obj) -> dict:
    updated = getattr(obj, "updated_at", None)
    return {"lastUpdated": _instant(updated)} if updated else {}


def patient_number(user: User) -> str:
    return f"P{user.pk:06d}"


def _name(user: User) -> list[dict]:
    if not (user.first_name or user.last_name):
        return [{"text": user.email}]
    name = {"use": "official", "text": user.get_full_name()}
    if user.last_name:
        name["family"] = user.last_name
    if user.first_name:
        name["given"] = user.first_name.split()
    return [name]


def patient(user: User) -> dict:
    telecom = [{"system": "email", "value": user.email, "use": "home"}]
    if user.phone:
        telecom.append({"system": "phone", "value": str(user.phone), "use": "mobile"})
    resource = Patient(
        id=str(user.pk),
        identifier=[{"use": "usual", "system": system("patient-number"), "value": patient_number(user)}],
        active=user.is_active,
        name=_name(user),
        telecom=telecom,
        birthDate=user.date_of_birth,
        gender=FHIR_GENDER.get(user.sex),  # left out when the patient has not said
    )
    return _dump(resource)


def practitioner(user: User) -> dict:
    identifiers = []
    doctor = getattr(user, "doctor_profile", None)
    if doctor is not None:
        identifiers.append({"system": system("practice-number"), "value": doctor.practice_number})
    qualification = []
    if can(user, "reports.sign"):  # qualified to report: may sign reports
        qualification.append({"code": {"text": "Radiologist"}})
    if doctor is not None:
        qualification.append({"code": {"text": "Referring doctor"}})
    resource = Practitioner(id=str(user.pk), identifier=identifiers or None, active=user.is_active,
                            name=_name(user), qualification=qualification or None)
    return _dump(resource)


def _person_ref(user: User | None, kind: str = "Practitioner") -> dict | None:
    if user is None:
        return None
    return {"reference": f"{kind}/{user.pk}", "display": user.get_full_name() or user.email}


def _scan_code(scan) -> dict:
    return {"coding": [{"system": system("scan-type"), "code": scan.code, "display": scan.name}], "text": scan.name}


def appointment(a: Appointment) -> dict:
    resource = FhirAppointment(
        id=str(a.pk),
        meta=_meta(a),
        identifier=[{"system": system("appointment"), "value": str(a.pk)}],
        status=APPOINTMENT_STATUS[a.status],
        serviceType=[_scan_code(a.scan_type)],
        description=a.scan_type.name,
        start=_instant(a.start),
        end=_instant(a.end),
        minutesDuration=int((a.end - a.start).total_seconds() // 60),
        created=_instant(a.requested_at),
        cancelationReason={"text": a.cancellation_reason} if a.cancellation_reason else None,
        participant=[
            {"actor": _person_ref(a.patient, "Patient"), "status": "accepted", "required": "required"},
            {"actor": {"display": a.room.name}, "status": "accepted", "required": "information-only"},
        ],
    )
    return _dump(resource)


def service_request(r: Referral) -> dict:
    doctor_user = r.referring_doctor.user if r.referring_doctor_id else None
    requester = _person_ref(doctor_user) or ({"display": r.doctor_name} if r.doctor_name else None)
    resource = ServiceRequest(
        id=str(r.pk),
        meta=_meta(r),
        identifier=[{"system": system("referral"), "value": str(r.pk)}],
        status=REFERRAL_STATUS[r.status],
        intent="order",
        category=[RADIOLOGY],
        code=_scan_code(r.scan_type) if r.scan_type_id else {"text": "Imaging referral"},
        subject=_person_ref(r.patient, "Patient"),
        authoredOn=_instant(r.created_at),
        requester=requester,
        note=[{"text": r.clinical_notes}] if r.clinical_notes else None,
    )
    return _dump(resource)


def diagnostic_report(report: Report, *, pdf_url: str, based_on: list[int]) -> dict:
    """The current signed version: status final (amended from version 2), the impression as the
    conclusion, the signed PDF as presentedForm (a link to its Binary; size and SHA-1 hash)."""
    conclusion = "\n\n".join(part for part in (report.impression, report.recommendations) if part.strip())
    presented = None
    if report.pdf and report.pdf_sha256:
        presented = [{"contentType": "application/pdf", "url": pdf_url,
                      "title": f"Report {report.appointment_id} v{report.version}",
                      "creation": _instant(report.signed_at)}]
    resource = DiagnosticReport(
        id=str(report.pk),
        meta=_meta(report),
        identifier=[{"system": system("report"), "value": f"{report.appointment_id}-v{report.version}"}],
        basedOn=[{"reference": f"ServiceRequest/{pk}"} for pk in based_on] or None,
        status="amended" if report.version > 1 else "final",
        category=[RADIOLOGY],
        code=IMAGING_REPORT,
        subject=_person_ref(report.appointment.patient, "Patient"),
        effectiveDateTime=_instant(report.appointment.start),
        issued=_instant(report.signed_at),
        resultsInterpreter=[_person_ref(report.radiologist)] if report.radiologist_id else None,
        conclusion=conclusion or None,
        presentedForm=presented,
    )
    return _dump(resource)


def binary_pdf(data: bytes) -> dict:
    from fhir.resources.R4B.binary import Binary

    return _dump(Binary(contentType="application/pdf", data=base64.b64encode(data).decode("ascii")))



DICOM_MODALITY = "http://dicom.nema.org/resources/ontology/DCM"


def imaging_study(study: Study) -> dict:
    """A linked study's metadata (no pixels): its StudyInstanceUID, accession, modalities and counts,
    the patient and the appointment. Images are read in the portal, where each opening is logged."""
    appointment = study.appointment
    modalities = sorted({m for m in (study.modality or "").split("\\") if m.strip()})
    resource = ImagingStudy(
        id=str(study.pk),
        meta=_meta(study),
        identifier=[
            {"system": "urn:dicom:uid", "value": f"urn:oid:{study.study_instance_uid}"},
            *([{"type": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/v2-0203", "code": "ACSN"}]},
                "system": system("accession"), "value": study.accession_number}] if study.accession_number else []),
        ],
        status="available",
        modality=[{"system": DICOM_MODALITY, "code": m} for m in modalities] or None,
        subject=_person_ref(appointment.patient, "Patient"),
        started=_instant(appointment.start) if study.study_date is None else study.study_date.isoformat(),
        numberOfSeries=study.series_count,
        numberOfInstances=study.instance_count,
        procedureCode=[_scan_code(appointment.scan_type)],
        description=(study.description or appointment.scan_type.name)[:200],
        basedOn=[{"reference": f"Appointment/{appointment.pk}"}],
    )
    return _dump(resource)

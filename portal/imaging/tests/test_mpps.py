"""MPPS from a scanner (a pynetdicom SCU): IN PROGRESS, then COMPLETED or DISCONTINUED."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone
from pydicom.dataset import Dataset
from pydicom.uid import generate_uid
from pynetdicom import AE
from pynetdicom.sop_class import ModalityPerformedProcedureStep

from portal.booking.models import Appointment
from portal.catalogue.models import Modality
from portal.imaging import services
from portal.imaging.models import ProcedureStep
from portal.imaging.tests.helpers import appointment_at, room, running_dicom_server, today_at

pytestmark = pytest.mark.django_db(transaction=True)


def in_progress(accession: str) -> Dataset:
    ds = Dataset()
    step = Dataset()
    step.AccessionNumber = accession
    step.StudyInstanceUID = generate_uid()
    ds.ScheduledStepAttributesSequence = [step]
    ds.PatientName = "TEST^PATIENT"
    ds.PerformedProcedureStepStatus = "IN PROGRESS"
    ds.PerformedProcedureStepStartDate = "20261202"
    ds.PerformedProcedureStepStartTime = "091500"
    ds.Modality = "CT"
    return ds


def finished(status: str, reason: str = "") -> Dataset:
    ds = Dataset()
    ds.PerformedProcedureStepStatus = status
    ds.PerformedProcedureStepEndDate = "20261202"
    ds.PerformedProcedureStepEndTime = "094500"
    if reason:
        code = Dataset()
        code.CodeValue, code.CodingSchemeDesignator, code.CodeMeaning = "110514", "DCM", reason
        ds.PerformedProcedureStepDiscontinuationReasonCodeSequence = [code]
    return ds


class Scanner:
    def __init__(self, port: int, calling: str = "CT1"):
        ae = AE(ae_title=calling)
        ae.add_requested_context(ModalityPerformedProcedureStep)
        self.assoc = ae.associate("127.0.0.1", port, ae_title="PORTAL")
        assert self.assoc.is_established

    def create(self, uid: str, ds: Dataset) -> int:
        status, _ = self.assoc.send_n_create(ds, ModalityPerformedProcedureStep, uid)
        return status.Status

    def set(self, uid: str, ds: Dataset) -> int:
        status, _ = self.assoc.send_n_set(ds, ModalityPerformedProcedureStep, uid)
        return status.Status

    def close(self):
        self.assoc.release()


@pytest.fixture
def appointment(settings):
    settings.DICOM_ALLOWED_AE_TITLES = []
    return appointment_at(start=today_at(9), room=room("CT 1", Modality.CT, "CT1"))


def test_in_progress_then_completed_completes_the_appointment_once_and_a_repeat_changes_nothing(appointment):
    uid = generate_uid()
    with running_dicom_server() as port:
        scanner = Scanner(port)
        assert scanner.create(uid, in_progress(appointment.accession_number)) == 0x0000
        appointment.refresh_from_db()
        assert appointment.status == Appointment.Status.CHECKED_IN
        assert appointment.checked_in_at is not None
        assert scanner.set(uid, finished("COMPLETED")) == 0x0000
        appointment.refresh_from_db()
        completed_at = appointment.completed_at
        assert appointment.status == Appointment.Status.COMPLETED and completed_at is not None
        assert scanner.set(uid, finished("COMPLETED")) == services.PROCESSING_FAILURE
        assert scanner.create(uid, in_progress(appointment.accession_number)) == services.DUPLICATE_SOP_INSTANCE
        scanner.close()
    appointment.refresh_from_db()
    assert appointment.completed_at == completed_at
    assert ProcedureStep.objects.get(sop_instance_uid=uid).status == ProcedureStep.Status.COMPLETED


def test_discontinued_is_recorded_with_its_reason_and_the_appointment_is_not_completed(appointment):
    uid = generate_uid()
    with running_dicom_server() as port:
        scanner = Scanner(port)
        assert scanner.create(uid, in_progress(appointment.accession_number)) == 0x0000
        assert scanner.set(uid, finished("DISCONTINUED", "Patient refused to continue")) == 0x0000
        scanner.close()
    step = ProcedureStep.objects.get(sop_instance_uid=uid)
    assert (step.status, step.discontinued_reason) == ("DISCONTINUED", "Patient refused to continue")
    appointment.refresh_from_db()
    assert appointment.status == Appointment.Status.CHECKED_IN


def test_the_scanner_checks_in_a_late_patient_on_the_day_but_not_one_booked_for_another_day(settings):
    """The scanner starting the procedure proves the patient is there, hours late or not; a
    step reported against yesterday's appointment is refused and changes nothing."""
    settings.DICOM_ALLOWED_AE_TITLES = []
    ct = room("CT 1", Modality.CT, "CT1")
    late = appointment_at(start=max(timezone.localtime() - dt.timedelta(hours=6), today_at(0)), room=ct)
    yesterday = appointment_at(start=today_at(9) - dt.timedelta(days=1), room=ct)
    with running_dicom_server() as port:
        scanner = Scanner(port)
        assert scanner.create(generate_uid(), in_progress(late.accession_number)) == 0x0000
        assert scanner.create(generate_uid(), in_progress(yesterday.accession_number)) == services.PROCESSING_FAILURE
        scanner.close()
    late.refresh_from_db()
    yesterday.refresh_from_db()
    assert late.status == Appointment.Status.CHECKED_IN
    assert yesterday.status == Appointment.Status.CONFIRMED
    assert ProcedureStep.objects.filter(appointment=yesterday).count() == 0


def test_an_unknown_accession_is_refused_with_invalid_attribute_value_and_nothing_changes(appointment):
    with running_dicom_server() as port:
        scanner = Scanner(port)
        assert scanner.create(generate_uid(), in_progress("RANOTHING1")) == services.INVALID_ATTRIBUTE_VALUE
        assert scanner.set(generate_uid(), finished("COMPLETED")) == services.NO_SUCH_SOP_INSTANCE
        scanner.close()
    appointment.refresh_from_db()
    assert appointment.status == Appointment.Status.CONFIRMED
    assert not ProcedureStep.objects.exists()


def test_mpps_from_an_unknown_ae_title_is_refused(appointment):
    with running_dicom_server() as port:
        ae = AE(ae_title="INTRUDER")
        ae.add_requested_context(ModalityPerformedProcedureStep)
        assoc = ae.associate("127.0.0.1", port, ae_title="PORTAL")
        assert assoc.is_rejected

"""Writes of the imaging app: studies found in the PACS (linked, or left for reconciliation), the
scanners' procedure steps (MPPS), and the access log of images."""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.http import HttpRequest
from django.utils import timezone

from portal.accounts.models import User
from portal.booking import services as booking_services
from portal.booking.models import Appointment
from portal.core.audit import client_ip
from portal.imaging import pacs
from portal.imaging.identifiers import patient_dicom_id
from portal.imaging.models import FeedCursor, ImageAccess, ProcedureStep, Study

logger = logging.getLogger(__name__)


# --- Studies from the PACS ------------------------------------------------------------------


def _study_date(value: str) -> dt.date | None:
    try:
        return dt.datetime.strptime((value or "").strip()[:8], "%Y%m%d").date()
    except ValueError:
        return None


def _match(accession: str, dicom_patient_id: str) -> tuple[Appointment | None, str]:
    """The appointment these images belong to, or None and the reason staff must look."""
    if not accession:
        return None, "The images carry no accession number."
    appointment = Appointment.objects.filter(accession_number=accession).select_related("patient").first()
    if appointment is None:
        return None, f"No appointment has accession number {accession}."
    if dicom_patient_id != patient_dicom_id(appointment.patient_id):
        return None, (f"The images' PatientID ({dicom_patient_id or 'empty'}) is not the patient of "
                      f"appointment {accession}.")
    return appointment, ""


@transaction.atomic
def study_ingest(*, orthanc_id: str) -> Study:
    """Read a stable study from Orthanc and link it to the appointment with its accession number
    and patient, or put it on the reconciliation list. Safe to run again (updates the counts; a
    study staff have rejected or attached by hand keeps their decision)."""
    data = pacs.study(orthanc_id)
    tags = data.get("MainDicomTags", {})
    patient_tags = data.get("PatientMainDicomTags", {})
    listing = pacs.study_series_listing(orthanc_id)
    accession = (tags.get("AccessionNumber") or "").strip()[:16]
    dicom_patient_id = (patient_tags.get("PatientID") or "").strip()[:64]
    study = Study.objects.select_for_update().filter(orthanc_id=orthanc_id).first() or Study(orthanc_id=orthanc_id)
    study.study_instance_uid = (tags.get("StudyInstanceUID") or "")[:64]
    study.accession_number = accession
    study.dicom_patient_id = dicom_patient_id
    study.dicom_patient_name = (patient_tags.get("PatientName") or "")[:200]
    study.study_date = _study_date(tags.get("StudyDate", ""))
    study.description = (tags.get("StudyDescription") or "")[:200]
    study.series = listing
    study.series_count = len(listing)
    study.instance_count = sum(len(s["instances"]) for s in listing)
    study.modality = "\\".join(sorted({s["modality"] for s in listing if s["modality"]}))[:32]
    if study.reconciled_at is None:  # staff decisions stand
        appointment, problem = _match(accession, dicom_patient_id)
        study.appointment = appointment
        study.status = Study.Status.LINKED if appointment else Study.Status.RECONCILE
        study.problem = problem[:200]
        if appointment and study.linked_at is None:
            study.linked_at = timezone.now()
    study.full_clean()
    study.save()
    return study


@dataclass
class FeedResult:
    studies: int
    last_seq: int


def feed_read(*, limit: int = 100) -> FeedResult:
    """Follow Orthanc's change feed from where we stopped; ingest each StableStudy. Safe to run
    twice (a study ingested again is only refreshed)."""
    if not pacs.enabled():
        return FeedResult(0, 0)
    cursor, _ = FeedCursor.objects.get_or_create(pacs_url=settings.PACS_URL)
    seen, since = 0, cursor.last_seq
    while True:
        page = pacs.changes(since=since, limit=limit)
        for change in page.get("Changes", []):
            if change.get("ChangeType") == "StableStudy":
                try:
                    study_ingest(orthanc_id=change["ID"])
                    seen += 1
                except pacs.PacsNotFound:
                    logger.info("imaging: study %s left the PACS before it was read", change["ID"])
                except IntegrityError:  # another worker created the same study a moment ago: refresh it
                    study_ingest(orthanc_id=change["ID"])
                    seen += 1
        since = int(page.get("Last", since))
        FeedCursor.objects.filter(pk=cursor.pk).update(last_seq=since)
        if page.get("Done", True):
            break
    return FeedResult(seen, since)


# --- Reconciliation ---------------------------------------------------------------------------


@transaction.atomic
def study_attach(*, study: Study, appointment: Appointment, by: User) -> Study:
    """Staff attach an unmatched study to the appointment they chose."""
    study = Study.objects.select_for_update().get(pk=study.pk)
    if study.status != Study.Status.RECONCILE:
        raise ValidationError("This study has already been dealt with.")
    study.appointment = appointment
    study.status = Study.Status.LINKED
    study.linked_at = study.reconciled_at = timezone.now()
    study.reconciled_by = by
    study.problem = ""
    study.full_clean()
    study.save()
    return study


@transaction.atomic
def study_reject(*, study: Study, by: User) -> Study:
    """Staff decide an unmatched study belongs to no appointment here; it stays hidden from patients."""
    study = Study.objects.select_for_update().get(pk=study.pk)
    if study.status != Study.Status.RECONCILE:
        raise ValidationError("This study has already been dealt with.")
    study.status = Study.Status.REJECTED
    study.reconciled_at = timezone.now()
    study.reconciled_by = by
    study.full_clean()
    study.save()
    return study


# --- Access log -------------------------------------------------------------------------------


def image_access_record(*, study: Study, user: User | None, action: str, request: HttpRequest,
                        series_id: str = "") -> ImageAccess:
    access = ImageAccess(
        study=study, user=user if user is not None and user.is_authenticated else None, action=action,
        series_id=series_id[:64], ip_address=client_ip(request),
        user_agent=request.META.get("HTTP_USER_AGENT", "")[:300],
    )
    access.full_clean()
    access.save()
    return access


# --- Modality Performed Procedure Steps ----------------------------------------------------------


class MppsRefused(Exception):
    """An MPPS the portal will not apply; `status` is the DICOM status to answer with."""

    def __init__(self, status: int, reason: str):
        super().__init__(reason)
        self.status = status
        self.reason = reason


# DICOM statuses (PS3.7 C and PS3.4 F.7)
DUPLICATE_SOP_INSTANCE = 0x0111
NO_SUCH_SOP_INSTANCE = 0x0112
INVALID_ATTRIBUTE_VALUE = 0x0106
PROCESSING_FAILURE = 0x0110


@transaction.atomic
def procedure_step_start(*, sop_instance_uid: str, accession_number: str, calling_ae_title: str,
                         started_at: dt.datetime | None) -> ProcedureStep:
    """N-CREATE (IN PROGRESS): the scanner started the appointment's procedure; a confirmed
    appointment is checked in. An unknown accession number is refused, never applied to a guess."""
    if ProcedureStep.objects.filter(sop_instance_uid=sop_instance_uid).exists():
        raise MppsRefused(DUPLICATE_SOP_INSTANCE, "duplicate MPPS instance")
    appointment = Appointment.objects.filter(accession_number=(accession_number or "").strip()).first()
    if appointment is None:
        raise MppsRefused(INVALID_ATTRIBUTE_VALUE, "no appointment has this accession number")
    if appointment.status == Appointment.Status.CONFIRMED:
        try:
            appointment = booking_services.appointment_check_in(appointment=appointment, by=None, by_scanner=True)
        except ValidationError as refused:
            raise MppsRefused(PROCESSING_FAILURE, "; ".join(refused.messages)) from refused
    elif appointment.status != Appointment.Status.CHECKED_IN:
        raise MppsRefused(PROCESSING_FAILURE, f"the appointment is {appointment.status}")
    step = ProcedureStep(sop_instance_uid=sop_instance_uid, appointment=appointment,
                         status=ProcedureStep.Status.IN_PROGRESS, calling_ae_title=calling_ae_title[:16],
                         started_at=started_at or timezone.now())
    step.full_clean()
    step.save()
    return step


@transaction.atomic
def procedure_step_finish(*, sop_instance_uid: str, status: str, ended_at: dt.datetime | None,
                          discontinued_reason: str = "") -> ProcedureStep:
    """N-SET to COMPLETED (the appointment is completed, once) or DISCONTINUED (recorded with its
    reason; the appointment stays checked in for staff to decide). A step already finished may no
    longer be updated."""
    step = ProcedureStep.objects.select_for_update().filter(sop_instance_uid=sop_instance_uid).first()
    if step is None:
        raise MppsRefused(NO_SUCH_SOP_INSTANCE, "unknown MPPS instance")
    if step.status != ProcedureStep.Status.IN_PROGRESS:
        raise MppsRefused(PROCESSING_FAILURE, "the procedure step is already finished")
    if status == ProcedureStep.Status.IN_PROGRESS:
        return step  # an N-SET that only adds attributes
    if status not in (ProcedureStep.Status.COMPLETED, ProcedureStep.Status.DISCONTINUED):
        raise MppsRefused(INVALID_ATTRIBUTE_VALUE, "unknown procedure step status")
    step.status = status
    step.ended_at = ended_at or timezone.now()
    step.discontinued_reason = discontinued_reason[:200] if status == ProcedureStep.Status.DISCONTINUED else ""
    step.full_clean()
    step.save()
    appointment = step.appointment
    if status == ProcedureStep.Status.COMPLETED and appointment.status == Appointment.Status.CHECKED_IN:
        try:
            booking_services.appointment_complete(appointment=appointment, by=None, by_scanner=True)
        except ValidationError as refused:
            raise MppsRefused(PROCESSING_FAILURE, "; ".join(refused.messages)) from refused
    return step

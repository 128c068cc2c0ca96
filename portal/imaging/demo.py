"""Demo: AE titles for the demo rooms, and small synthetic studies (pydicom) for the completed demo
appointments, sent to the demo Orthanc with C-STORE when it runs (`make run` starts it and calls
`manage.py imaging_seed`), plus one study that matches nothing, for the reconciliation list.
Idempotent: a study already in the archive is not sent again."""

from __future__ import annotations

import datetime as dt

from django.conf import settings

from portal.booking.models import Appointment, Room
from portal.core.clock import practice_tz
from portal.imaging import pacs, services, synthetic
from portal.imaging.identifiers import DICOM_MODALITY, dicom_person_name, patient_dicom_id
from portal.imaging.models import Study

DEMO_PATIENTS = ["patient@demo.test", "patient2@demo.test"]
MAX_STUDIES = 8
UNMATCHED_ACCESSION = "RAUNMATCHED"
UNMATCHED_UID = "2.25.314159265358979323846264338327950288"
# One recognisable look per modality; X-ray-like modalities are drawn as DX.
SYNTHETIC_MODALITY = {"CT": "CT", "MR": "MR", "DX": "DX", "MG": "MG", "US": "US", "RF": "DX", "BMD": "DX"}


def _ae_title(room: Room) -> str:
    return "".join(ch for ch in room.name.upper() if ch.isalnum())[:16]


def _rooms(stdout) -> None:
    named = 0
    for room in Room.objects.filter(ae_title=""):
        title = _ae_title(room)
        if title and not Room.objects.filter(ae_title=title).exists():
            Room.objects.filter(pk=room.pk).update(ae_title=title, station_name=title)
            named += 1
    stdout.write(f"  rooms: {named} given a DICOM AE title (the worklist answers them)")


def _datasets(appointment: Appointment):
    patient = appointment.patient
    modality = SYNTHETIC_MODALITY.get(DICOM_MODALITY.get(appointment.room.modality, ""), "DX")
    day = appointment.start.astimezone(practice_tz()).date()
    return synthetic.study(
        patient_id=patient_dicom_id(patient.pk), patient_name=dicom_person_name(patient.last_name, patient.first_name),
        accession_number=appointment.accession_number, study_instance_uid=appointment.study_instance_uid,
        modality=modality, description=appointment.scan_type.name, study_date=day,
        birth_date=patient.date_of_birth.strftime("%Y%m%d") if patient.date_of_birth else "",
        series=2 if modality in ("CT", "MR") else 1, per_series=8 if modality in ("CT", "MR") else 2,
    )


def _lookup(study_instance_uid: str) -> str | None:
    """The Orthanc id of a study already in the archive, if it is there."""
    import requests

    try:
        response = pacs._http().post(f"{settings.PACS_URL}/tools/lookup", data=study_instance_uid,
                                     timeout=settings.PACS_TIMEOUT_SECONDS)
    except requests.RequestException:
        return None
    if not response.ok:
        return None
    found = [item["ID"] for item in response.json() if item.get("Type") == "Study"]
    return found[0] if found else None


def send_studies(stdout) -> int:
    """Send the demo studies Orthanc lacks, then link them at once (not waiting for the feed)."""
    if not pacs.enabled():
        stdout.write("  studies: imaging is not connected (PACS_URL empty); `make run` starts Orthanc and sends them")
        return 0
    try:
        pacs.system()
    except pacs.PacsUnavailable:
        stdout.write(f"  studies: Orthanc at {settings.PACS_URL} is not answering; none sent")
        return 0
    appointments = list(
        Appointment.objects.filter(status=Appointment.Status.COMPLETED, patient__email__in=DEMO_PATIENTS)
        .select_related("patient", "room", "scan_type").order_by("-start")[:MAX_STUDIES]
    )
    sent = 0
    wanted = [(a.study_instance_uid, lambda a=a: _datasets(a)) for a in appointments]
    wanted.append((UNMATCHED_UID, _unmatched))
    for uid, make in wanted:
        orthanc_id = _lookup(uid)
        if orthanc_id is None:
            datasets = make()
            synthetic.c_store(datasets, host=settings.PACS_DICOM_HOST, port=settings.PACS_DICOM_PORT,
                              called_ae=settings.PACS_AE_TITLE, calling_ae=settings.DICOM_AE_TITLE)
            orthanc_id = _lookup(uid)
            sent += 1
        if orthanc_id and not Study.objects.filter(orthanc_id=orthanc_id).exists():
            services.study_ingest(orthanc_id=orthanc_id)
    stdout.write(f"  studies: {sent} synthetic studies sent to Orthanc, {len(wanted) - sent} already there; "
                 f"{Study.objects.filter(status=Study.Status.LINKED).count()} linked, "
                 f"{Study.objects.filter(status=Study.Status.RECONCILE).count()} to reconcile")
    return sent


def _unmatched():
    return synthetic.study(patient_id="EXT-0042", patient_name="UNKNOWN^WALKIN", accession_number=UNMATCHED_ACCESSION,
                           study_instance_uid=UNMATCHED_UID, modality="DX", description="Chest X-ray (outside request)",
                           study_date=dt.date.today(), series=1, per_series=1)


def seed(*, stdout, style, options) -> None:
    _rooms(stdout)
    send_studies(stdout)

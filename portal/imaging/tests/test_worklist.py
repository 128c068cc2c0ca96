"""The Modality Worklist SCP, queried by dcmtk's findscu (a real third-party client)."""

from __future__ import annotations

import datetime as dt
import subprocess
from pathlib import Path

import pydicom
import pytest
from pydicom.dataset import Dataset

from portal.accounts.models import ReferringDoctor
from portal.accounts.tests.factories import UserFactory
from portal.booking.models import Appointment
from portal.catalogue.models import Modality
from portal.imaging import worklist
from portal.imaging.identifiers import patient_dicom_id
from portal.imaging.tests.fixtures import require
from portal.imaging.tests.helpers import appointment_at, room, running_dicom_server, today_at
from portal.referrals.models import Referral

pytestmark = pytest.mark.django_db(transaction=True)


def findscu(port: int, out: Path, *keys: str, calling: str = "CT1") -> subprocess.CompletedProcess:
    out.mkdir(parents=True, exist_ok=True)
    args = [require("findscu"), "-v", "-W", "-X", "-od", str(out), "-aet", calling, "-aec", "PORTAL", "127.0.0.1",
            str(port)]
    for key in keys:
        args += ["-k", key]
    return subprocess.run(args, capture_output=True, text=True, timeout=60)


def responses(out: Path) -> list[Dataset]:
    return [pydicom.dcmread(p) for p in sorted(out.glob("rsp*.dcm"))]


STANDARD_KEYS = [
    "ReferringPhysicianName", "PatientName", "PatientID", "PatientBirthDate", "PatientSex", "AccessionNumber",
    "StudyInstanceUID",
    "RequestedProcedureDescription",
    "ScheduledProcedureStepSequence[0].ScheduledStationAETitle",
    "ScheduledProcedureStepSequence[0].ScheduledProcedureStepStartTime",
]


@pytest.fixture
def day(settings):
    settings.DICOM_ALLOWED_AE_TITLES = []
    ct, mr = room("CT 1", Modality.CT, "CT1"), room("MRI 1", Modality.MRI, "MR1")
    alice = UserFactory(first_name="Alice", last_name="Moyo", date_of_birth=dt.date(1980, 5, 17), sex="F")
    bob = UserFactory(first_name="Bob", last_name="Chikore")
    alice_visit = appointment_at(start=today_at(9), room=ct, patient=alice)
    doctor = UserFactory(first_name="Tendai", last_name="Chikwanha")
    Referral.objects.create(patient=alice, appointment=alice_visit, file="referrals/x.pdf",
                            content_type="application/pdf", size=10, sha256="0" * 64, doctor_name="Dr T. Chikwanha",
                            referring_doctor=ReferringDoctor.objects.create(user=doctor, practice_number="PR1"),
                            uploaded_by=alice)
    return {
        "alice": alice_visit,
        "bob": appointment_at(start=today_at(10, 30), room=ct, patient=bob, status=Appointment.Status.CHECKED_IN),
        "cancelled": appointment_at(start=today_at(11), room=ct, status=Appointment.Status.CANCELLED),
        "requested": appointment_at(start=today_at(12), room=ct, status=Appointment.Status.REQUESTED),
        "mri": appointment_at(start=today_at(9), room=mr),
        "tomorrow": appointment_at(start=today_at(9) + dt.timedelta(days=1), room=ct),
    }


def test_findscu_gets_exactly_the_days_ct_items_with_names_accessions_and_times(day, tmp_path):
    today = day["alice"].start.strftime("%Y%m%d")
    with running_dicom_server() as port:
        result = findscu(port, tmp_path / "out", *STANDARD_KEYS, "ScheduledProcedureStepSequence[0].Modality=CT",
                         f"ScheduledProcedureStepSequence[0].ScheduledProcedureStepStartDate={today}")
    assert result.returncode == 0, result.stderr
    found = responses(tmp_path / "out")
    by_accession = {ds.AccessionNumber: ds for ds in found}
    assert set(by_accession) == {day["alice"].accession_number, day["bob"].accession_number}
    alice = by_accession[day["alice"].accession_number]
    assert str(alice.PatientName) == "MOYO^ALICE"
    assert alice.PatientID == patient_dicom_id(day["alice"].patient_id)
    assert alice.PatientBirthDate == "19800517"
    assert alice.PatientSex == "F"
    assert str(alice.ReferringPhysicianName) == "CHIKWANHA^TENDAI"
    assert str(by_accession[day["bob"].accession_number].ReferringPhysicianName) == ""  # self-referred
    assert by_accession[day["bob"].accession_number].PatientSex == ""  # not given: empty, never guessed
    assert alice.StudyInstanceUID == day["alice"].study_instance_uid
    assert alice.RequestedProcedureDescription == day["alice"].scan_type.name
    step = alice.ScheduledProcedureStepSequence[0]
    assert (step.Modality, step.ScheduledStationAETitle) == ("CT", "CT1")
    assert (step.ScheduledProcedureStepStartDate, step.ScheduledProcedureStepStartTime) == (today, "090000")
    assert str(by_accession[day["bob"].accession_number].ScheduledProcedureStepSequence[0]
               .ScheduledProcedureStepStartTime) == "103000"


def test_findscu_filters_by_patient_name_wildcard(day, tmp_path):
    with running_dicom_server() as port:
        result = findscu(port, tmp_path / "out", "PatientName=chik*", "AccessionNumber",
                         "ScheduledProcedureStepSequence[0].Modality")
    assert result.returncode == 0, result.stderr
    assert [ds.AccessionNumber for ds in responses(tmp_path / "out")] == [day["bob"].accession_number]


def test_findscu_from_an_unknown_ae_title_is_refused_and_gets_nothing(day, tmp_path):
    with running_dicom_server() as port:
        result = findscu(port, tmp_path / "out", *STANDARD_KEYS, calling="INTRUDER")
    assert result.returncode != 0
    assert "Rejected" in result.stderr or "rejected" in result.stderr.lower()
    assert responses(tmp_path / "out") == []


def test_a_malformed_date_gets_a_failure_status_and_the_server_keeps_answering(day, tmp_path):
    with running_dicom_server() as port:
        bad = findscu(port, tmp_path / "bad", "AccessionNumber",
                      "ScheduledProcedureStepSequence[0].ScheduledProcedureStepStartDate=2026-13-99")
        findscu(port, tmp_path / "good", "AccessionNumber", "ScheduledProcedureStepSequence[0].Modality=MR")
    assert responses(tmp_path / "bad") == []
    said = (bad.stdout + bad.stderr).lower()
    assert "failed: unabletoprocess" in said, said
    assert [ds.AccessionNumber for ds in responses(tmp_path / "good")] == [day["mri"].accession_number]


def test_wildcards_and_date_ranges_follow_dicom_matching():
    assert worklist.wildcard("MOY?^A*").match("MOYO^ALICE")
    assert not worklist.wildcard("MOY?^B*").match("MOYO^ALICE")
    assert worklist.wildcard("*") is None
    assert worklist.date_range("20261201-20261203") == (dt.date(2026, 12, 1), dt.date(2026, 12, 3))
    assert worklist.date_range("-20261203") == (None, dt.date(2026, 12, 3))
    with pytest.raises(worklist.MalformedQuery):
        worklist.date_range("20261203-20261201")

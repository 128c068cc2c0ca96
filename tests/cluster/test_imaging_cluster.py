"""Imaging in the cluster (issue 20): the day of one CT scan, with the cluster's own Orthanc and DICOM
worklist/MPPS server, as a scanner and a patient see it.

A CT appointment today in the seeded room "CT 1" (AE title CT1). The scanner (dcmtk's findscu) asks the
cluster's worklist server for today's CT list and finds it; reports the procedure started and completed
(MPPS, pynetdicom); stores the images (storescu) into the cluster's Orthanc under the accession number and
study UID the worklist gave. A qcluster worker reads Orthanc's change feed and links the study to the
appointment; a radiologist signs the report, which releases the images to the patient, who then opens the
study page and an image preview through nginx, on both app servers.

The helpers are the imaging tests' own (findscu, the MPPS scanner, storescu, the synthetic study).
"""

from __future__ import annotations

import datetime as dt
import json
import secrets
import time
from types import SimpleNamespace

import requests

from portal.imaging import synthetic
from portal.imaging.tests.test_mpps import Scanner, finished, in_progress
from portal.imaging.tests.test_studies import store
from portal.imaging.tests.test_worklist import STANDARD_KEYS, findscu, responses

from .conftest import wait_for

SETUP = """
import datetime as dt, json
from importlib import import_module
from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.utils import timezone
from portal.accounts.roles import Role
from portal.accounts.tests.factories import UserFactory
from portal.booking.models import Appointment, Room
from portal.booking.tests.factories import AppointmentFactory
from portal.catalogue.models import Modality, ScanType
from portal.imaging.identifiers import patient_dicom_id

tag = {tag!r}
room = Room.objects.get(name="CT 1")
scan = ScanType.objects.filter(modality=Modality.CT).order_by("pk").first()
patient = UserFactory(email=f"ct-{{tag}}@cluster.test", first_name="Rudo", last_name="Imaging" + tag.upper(),
                      roles=[Role.PATIENT])
day = timezone.localdate()
holding = ["requested", "confirmed", "checked_in", "completed"]
start = None
for minutes in range(18 * 60, 23 * 60, 15):  # after the demo's opening hours: a time the room has free
    at = timezone.make_aware(dt.datetime.combine(day, dt.time(minutes // 60, minutes % 60)))
    end = at + dt.timedelta(minutes=scan.duration_minutes)
    if not Appointment.objects.filter(room=room, status__in=holding, start__lt=end, end__gt=at).exists():
        start = at
        break
assert start is not None, "no free time left in CT 1 today"
visit = AppointmentFactory(patient=patient, room=room, scan_type=scan, start=start)
store = import_module(settings.SESSION_ENGINE).SessionStore()
store[SESSION_KEY] = str(patient.pk)
store[BACKEND_SESSION_KEY] = "portal.accounts.backends.CachedPermissionsBackend"
store[HASH_SESSION_KEY] = patient.get_session_auth_hash()
store.create()
print(json.dumps({{"pk": visit.pk, "accession": visit.accession_number, "uid": visit.study_instance_uid,
                  "patient_id": patient_dicom_id(patient.pk), "ae_title": room.ae_title, "day": day.strftime("%Y%m%d"),
                  "cookie": settings.SESSION_COOKIE_NAME, "session": store.session_key}}))
"""

STATUS = """
import json
from portal.booking.models import Appointment
a = Appointment.objects.get(pk={pk})
print(json.dumps({{"status": a.status, "checked_in": a.checked_in_at is not None,
                  "completed": a.completed_at is not None}}))
"""

# Queue the change-feed task for a worker (as the every-minute schedule does), then watch for the study.
LINK = """
import json, time
from django_q.tasks import async_task
from portal.imaging.models import Study
async_task("portal.imaging.tasks.read_changes")
study = None
for _ in range(20):
    study = Study.objects.filter(study_instance_uid={uid!r}).first()
    if study is not None:
        break
    time.sleep(0.5)
print(json.dumps(None if study is None else {{"pk": study.pk, "status": study.status,
      "appointment": study.appointment_id, "series": study.series_count, "instances": study.instance_count}}))
"""

RELEASE = """
import json
from django.urls import reverse
from portal.accounts.roles import Role
from portal.accounts.tests.factories import enable_totp, user_with_role
from portal.booking.models import Appointment
from portal.imaging.models import Study
from portal.reports.tests.factories import signed_report

by = user_with_role(Role.RADIOLOGIST, email="rad-{tag}@cluster.test")
enable_totp(by)
signed_report(appointment=Appointment.objects.get(pk={pk}), by=by)  # signing releases the images
study = Study.objects.get(pk={study})
instances = study.series[0]["instances"]
instance = instances[len(instances) // 2]  # the series' thumbnail on the study page (panels.study_thumbnails)
print(json.dumps({{"study": reverse("imaging:study", args=[study.pk]),
                  "preview": reverse("imaging:preview", args=[study.pk, instance])}}))
"""


def _last_json(stdout: str):
    return json.loads(stdout.strip().splitlines()[-1])  # log lines may come first


def test_a_ct_scan_queried_performed_stored_linked_and_seen_by_the_patient_on_both_servers(cluster, tmp_path):
    state = cluster.state
    tag = secrets.token_hex(3)
    visit = _last_json(cluster.django(SETUP.format(tag=tag)))
    scanner_ae = visit["ae_title"]

    # The scanner's worklist for today's CT: the cluster's DICOM server answers with the appointment.
    result = findscu(state["dicom_port"], tmp_path / "worklist", *STANDARD_KEYS,
                     "ScheduledProcedureStepSequence[0].Modality=CT",
                     f"ScheduledProcedureStepSequence[0].ScheduledProcedureStepStartDate={visit['day']}",
                     calling=scanner_ae)
    assert result.returncode == 0, result.stderr
    items = {ds.AccessionNumber: ds for ds in responses(tmp_path / "worklist")}
    assert visit["accession"] in items, f"{len(items)} worklist items, not ours"
    item = items[visit["accession"]]
    assert item.PatientID == visit["patient_id"]
    assert str(item.PatientName) == f"IMAGING{tag.upper()}^RUDO"
    assert item.StudyInstanceUID == visit["uid"]
    assert {ds.ScheduledProcedureStepSequence[0].ScheduledProcedureStepStartDate for ds in items.values()} == {
        visit["day"]}
    assert {ds.ScheduledProcedureStepSequence[0].ScheduledStationAETitle for ds in items.values()} == {scanner_ae}

    # MPPS: procedure started, then completed, against the worklist's accession number.
    step_uid = f"2.25.{secrets.randbits(96)}"
    started = in_progress(item.AccessionNumber)
    started.PerformedProcedureStepStartDate = visit["day"]
    done = finished("COMPLETED")
    done.PerformedProcedureStepEndDate = visit["day"]
    mpps = Scanner(state["dicom_port"], calling=scanner_ae)
    try:
        assert mpps.create(step_uid, started) == 0x0000
        assert mpps.set(step_uid, done) == 0x0000
    finally:
        mpps.close()
    assert _last_json(cluster.django(STATUS.format(pk=visit["pk"]))) == {
        "status": "completed", "checked_in": True, "completed": True}

    # The images, C-STORE into the cluster's Orthanc from the scanner's AE title.
    datasets = synthetic.study(
        patient_id=item.PatientID, patient_name=str(item.PatientName), accession_number=item.AccessionNumber,
        study_instance_uid=item.StudyInstanceUID, modality="CT", description="CT chest",
        study_date=dt.datetime.strptime(visit["day"], "%Y%m%d").date(), series=2, per_series=3, size=64)
    orthanc = SimpleNamespace(ae_title=state["pacs_env"]["PACS_AE_TITLE"],
                              dicom_port=int(state["pacs_env"]["PACS_DICOM_PORT"]))
    began = time.monotonic()
    stored = store(orthanc, tmp_path, datasets, calling=scanner_ae)
    assert stored.returncode == 0, stored.stderr

    # A worker reads the change feed (once Orthanc calls the study stable) and links it.
    study = wait_for(lambda: _last_json(cluster.django(LINK.format(uid=visit["uid"]))), 120, 1)
    assert study, "the study was never linked (var/cluster/worker*.log, var/cluster/orthanc.log)"
    assert (study["status"], study["appointment"]) == ("linked", visit["pk"])
    assert (study["series"], study["instances"]) == (2, 6)
    linked_after = time.monotonic() - began

    urls = _last_json(cluster.django(RELEASE.format(tag=tag, pk=visit["pk"], study=study["pk"])))
    anonymous = cluster.get_through_nginx(urls["preview"])
    assert anonymous.status_code in (302, 404), anonymous.status_code  # to the login page, never the image

    # The patient through nginx until each app server has answered at least 4 pages and previews.
    patient = requests.Session()
    patient.cookies.set(visit["cookie"], visit["session"], domain="127.0.0.1")
    answered: dict[str, int] = {}
    for _ in range(40):
        page = patient.get(cluster.url + urls["study"], timeout=30, allow_redirects=False)
        assert page.status_code == 200, (page.status_code, page.headers.get("X-Upstream"))
        assert urls["preview"] in page.text
        image = patient.get(cluster.url + urls["preview"], timeout=30, allow_redirects=False)
        assert (image.status_code, image.headers["Content-Type"]) == (200, "image/jpeg"), image.headers
        assert image.content[:2] == b"\xff\xd8"
        for response in (page, image):
            upstream = response.headers["X-Upstream"]
            answered[upstream] = answered.get(upstream, 0) + 1
        if len(answered) == 2 and min(answered.values()) >= 4:
            break
    print(f"\nimaging: {len(items)} worklist items today for {scanner_ae}; study stored and linked in "
          f"{linked_after:.1f} s; pages and previews through nginx by app server: {answered}")
    assert set(answered) == {f"127.0.0.1:{port}" for port in state["app_ports"]}
    assert min(answered.values()) >= 4

"""Imaging benchmark (issue 14), each figure a ratio against a reference measured in the same run:

1. the worklist: a DICOM C-FIND (pynetdicom SCU -> our worklist SCP, over TCP) returning the day's
   500 scheduled CT items, against a raw SQL query of the same rows (same joins, no DICOM);
2. an image through the portal's proxy (Django's full middleware stack: session, permission check,
   audit row, then Orthanc) against the same JPEG fetched from Orthanc directly.

    .venv/bin/python bench/imaging.py [--repeat 15]

Runs against a throwaway SQLite database (migrated here) and a throwaway Orthanc (Debian package) on
free ports. The machine's load average is printed beside the figures. The last line is one JSON object.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import secrets
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
ITEMS = 500


def _environment(tmp: str) -> None:
    for name in list(os.environ):
        if name.startswith(("DJANGO_", "PACS_", "DICOM_")):
            del os.environ[name]
    os.environ.update({
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DJANGO_DEBUG": "0",
        "DJANGO_SECRET_KEY": "bench-only-key-0123456789abcdefghijklmnopqrstuvwxyz-ABCDEFGH",
        "DJANGO_ALLOWED_HOSTS": "testserver,127.0.0.1,localhost",
        "DJANGO_SECURE_SSL_REDIRECT": "0",
        "DJANGO_SECURE_COOKIES": "0",
        "DJANGO_STATIC_MANIFEST": "0",
        "DJANGO_STAFF_MFA_REQUIRED": "0",
        "DJANGO_FAST_PASSWORD_HASHER": "1",
        "DJANGO_Q_SYNC": "1",
        "DJANGO_LOG_LEVEL": "WARNING",
        "DJANGO_PRIVATE_MEDIA_ROOT": f"{tmp}/private",
        "DJANGO_MEDIA_ROOT": f"{tmp}/media",
        "DATABASE_URL": f"sqlite:///{tmp}/bench.sqlite3",
    })


def _median_alternating(funcs: dict, repeat: int) -> dict[str, float]:
    for func in funcs.values():
        func()  # warm
    times = {name: [] for name in funcs}
    for _ in range(repeat):
        for name, func in funcs.items():
            started = time.perf_counter()
            func()
            times[name].append(time.perf_counter() - started)
    return {name: statistics.median(values) for name, values in times.items()}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=15)
    args = parser.parse_args()
    load_before = os.getloadavg()

    with tempfile.TemporaryDirectory() as tmp:
        _environment(tmp)
        import django

        django.setup()
        from django.conf import settings
        from django.core.management import call_command
        from django.db import connection
        from django.test import Client
        from django.test.utils import setup_test_environment
        from django.urls import reverse
        from django.utils import timezone

        setup_test_environment()
        print("migrating a throwaway database...", flush=True)
        call_command("migrate", verbosity=0)

        from pydicom.dataset import Dataset
        from pynetdicom import AE
        from pynetdicom.sop_class import ModalityWorklistInformationFind

        from portal.accounts.tests.factories import UserFactory
        from portal.booking.models import Appointment, Room
        from portal.booking.tests.factories import AppointmentFactory
        from portal.catalogue.tests.factories import ScanTypeFactory
        from portal.core.clock import practice_tz
        from portal.imaging import dicom_server, orthanc_local, services, synthetic
        from portal.imaging.identifiers import patient_dicom_id
        from portal.reports.tests.factories import completed_appointment, signed_report

        # --- 1. The worklist: 500 CT items today, over 10 rooms (50 ten-minute slots each) ------------
        print(f"creating {ITEMS} scheduled appointments...", flush=True)
        tz = practice_tz()
        day = timezone.localdate()
        scan = ScanTypeFactory(modality="ct", duration_minutes=10)
        rooms = [Room.objects.create(name=f"CT {i}", modality="ct", ae_title=f"CT{i}") for i in range(10)]
        patients = [UserFactory(first_name=f"Patient{i}", last_name="Bench") for i in range(100)]
        for i in range(ITEMS):
            start = dt.datetime.combine(day, dt.time(7, 0), tzinfo=tz) + dt.timedelta(minutes=10 * (i // 10))
            AppointmentFactory(patient=patients[i % 100], scan_type=scan, room=rooms[i % 10], start=start,
                               status=Appointment.Status.CONFIRMED)
        port = orthanc_local.free_port()
        server = dicom_server.start(host="127.0.0.1", port=port)

        def c_find() -> int:
            ae = AE(ae_title="CT0")
            ae.add_requested_context(ModalityWorklistInformationFind)
            assoc = ae.associate("127.0.0.1", port, ae_title=settings.DICOM_AE_TITLE)
            query = Dataset()
            for keyword in ("PatientName", "PatientID", "PatientBirthDate", "PatientSex", "AccessionNumber",
                            "StudyInstanceUID", "RequestedProcedureDescription"):
                setattr(query, keyword, "")
            step = Dataset()
            step.Modality = "CT"
            step.ScheduledProcedureStepStartDate = day.strftime("%Y%m%d")
            step.ScheduledProcedureStepStartTime = ""
            step.ScheduledStationAETitle = ""
            query.ScheduledProcedureStepSequence = [step]
            found = sum(1 for status, ds in assoc.send_c_find(query, ModalityWorklistInformationFind)
                        if status and status.Status in (0xFF00, 0xFF01) and ds is not None)
            assoc.release()
            assert found == ITEMS, found
            return found

        first = dt.datetime.combine(day, dt.time.min, tzinfo=tz)
        sql = (
            "SELECT a.accession_number, a.study_instance_uid, a.start, u.first_name, u.last_name, u.date_of_birth, "
            "u.id, s.name, r.ae_title, r.station_name, r.modality FROM booking_appointment a "
            "JOIN accounts_user u ON u.id = a.patient_id JOIN booking_room r ON r.id = a.room_id "
            "JOIN catalogue_scantype s ON s.id = a.scan_type_id "
            "WHERE a.status IN ('confirmed', 'checked_in') AND r.ae_title <> '' AND r.modality = %s "
            "AND a.start >= %s AND a.start < %s ORDER BY a.start, a.id"
        )

        def raw_sql() -> int:
            with connection.cursor() as cursor:
                cursor.execute(sql, ["ct", first, first + dt.timedelta(days=1)])
                rows = cursor.fetchall()
            assert len(rows) == ITEMS, len(rows)
            return len(rows)

        print(f"timing C-FIND against raw SQL ({args.repeat} rounds)...", flush=True)
        worklist = _median_alternating({"cfind": c_find, "sql": raw_sql}, args.repeat)
        server.shutdown()
        worklist_ratio = worklist["cfind"] / worklist["sql"]
        print(f"worklist C-FIND, {ITEMS} items: {worklist['cfind'] * 1000:8.1f} ms (median)")
        print(f"raw SQL, same rows:          {worklist['sql'] * 1000:8.1f} ms (median)")
        print(f"C-FIND / raw SQL:            {worklist_ratio:8.1f}x")

        # --- 2. An image through the proxy against Orthanc direct ---------------------------------------
        if orthanc_local.binary() is None:
            print("Orthanc is not installed: the image figure is skipped (bin/ensure-debian-packages orthanc)")
            proxy_ratio = None
        else:
            import requests

            orthanc = orthanc_local.LocalOrthanc(directory=Path(tmp) / "orthanc", http_port=orthanc_local.free_port(),
                                                 dicom_port=orthanc_local.free_port(), username="bench",
                                                 password=secrets.token_urlsafe(12))
            orthanc_local.write(orthanc, store_ae_titles=[settings.DICOM_AE_TITLE], stable_age=1)
            process = orthanc_local.start(orthanc)
            try:
                for name, value in orthanc.env().items():
                    setattr(settings, name, int(value) if name == "PACS_DICOM_PORT" else value)
                ct_room = Room.objects.create(name="CT bench", modality="ct", ae_title="CTBENCH")
                appointment = completed_appointment(scan_type=scan, room=ct_room)
                datasets = synthetic.study(
                    patient_id=patient_dicom_id(appointment.patient_id), patient_name="BENCH^PATIENT",
                    accession_number=appointment.accession_number,
                    study_instance_uid=appointment.study_instance_uid, modality="CT", description="CT bench",
                    study_date=day, series=1, per_series=4, size=256)
                synthetic.c_store(datasets, host="127.0.0.1", port=orthanc.dicom_port, called_ae=orthanc.ae_title,
                                  calling_ae=settings.DICOM_AE_TITLE)
                orthanc_id = requests.post(f"{orthanc.url}/tools/lookup", data=appointment.study_instance_uid,
                                           auth=(orthanc.username, orthanc.password), timeout=10).json()[0]["ID"]
                study = services.study_ingest(orthanc_id=orthanc_id)
                signed_report(appointment=appointment)
                instance = study.series[0]["instances"][0]
                client = Client()
                client.force_login(appointment.patient)
                proxy_url = reverse("imaging:frame", args=[study.pk, instance])
                session = requests.Session()
                session.auth = (orthanc.username, orthanc.password)

                def through_proxy() -> None:
                    response = client.get(proxy_url)
                    assert response.status_code == 200 and response.content[:2] == b"\xff\xd8"

                def direct() -> None:
                    response = session.get(f"{orthanc.url}/instances/{instance}/rendered", params={"quality": 90},
                                           headers={"Accept": "image/jpeg"}, timeout=10)
                    assert response.status_code == 200 and response.content[:2] == b"\xff\xd8"

                print(f"timing a 256x256 CT frame through the proxy against Orthanc direct ({args.repeat * 2} "
                      "rounds)...", flush=True)
                image = _median_alternating({"proxy": through_proxy, "direct": direct}, args.repeat * 2)
                proxy_ratio = image["proxy"] / image["direct"]
                print(f"frame through the proxy:     {image['proxy'] * 1000:8.1f} ms (median)")
                print(f"frame from Orthanc direct:   {image['direct'] * 1000:8.1f} ms (median)")
                print(f"proxy / direct:              {proxy_ratio:8.2f}x")
            finally:
                orthanc_local.stop(process)

    load_after = os.getloadavg()
    print(f"load average: {load_before[0]:.2f} at the start, {load_after[0]:.2f} at the end "
          f"({os.cpu_count()} CPUs; a busy machine inflates both sides of each ratio)")
    print(json.dumps({
        "worklist_items": ITEMS,
        "worklist_cfind_ms": round(worklist["cfind"] * 1000, 1),
        "worklist_sql_ms": round(worklist["sql"] * 1000, 2),
        "worklist_cfind_vs_sql": round(worklist_ratio, 1),
        "image_proxy_vs_direct": round(proxy_ratio, 2) if proxy_ratio is not None else None,
        "load_average": round(load_after[0], 2),
    }))


if __name__ == "__main__":
    main()

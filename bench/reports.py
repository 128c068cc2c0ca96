"""Reports benchmark: the report PDF's render time against a blank A4 page rendered in the same run,
and the radiologist worklist's query count with 10 and with 1,000 scans waiting.

    .venv/bin/python bench/reports.py [--repeat 31]

Runs against a throwaway SQLite database (migrated here, ~20 s). The last line is one JSON object:
{"pdf_vs_blank": .., "worklist_queries_10": .., "worklist_queries_1000": ..}
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def _environment(tmp: str) -> None:
    for name in list(os.environ):
        if name.startswith("DJANGO_"):
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
        "DJANGO_EMAIL_BACKEND": "django.core.mail.backends.console.EmailBackend",  # chosen: no mail server here
        "DJANGO_PRIVATE_MEDIA_ROOT": f"{tmp}/private",
        "DJANGO_MEDIA_ROOT": f"{tmp}/media",
        "DATABASE_URL": f"sqlite:///{tmp}/bench.sqlite3",
    })


def _alternating(funcs: dict, repeat: int) -> dict:
    """Median CPU and wall seconds of each function, run in turn `repeat` times after a warm-up round."""
    for func in funcs.values():
        func()  # warm: fonts, templates, the parsed stylesheet
    cpu = {name: [] for name in funcs}
    wall = {name: [] for name in funcs}
    for _ in range(repeat):
        for name, func in funcs.items():
            started_cpu, started_wall = time.process_time(), time.perf_counter()
            func()
            cpu[name].append(time.process_time() - started_cpu)
            wall[name].append(time.perf_counter() - started_wall)
    return {name: (statistics.median(cpu[name]), statistics.median(wall[name])) for name in funcs}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=31)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        _environment(tmp)
        import django

        django.setup()
        from django.core.management import call_command
        from django.db import connection
        from django.test import Client
        from django.test.utils import CaptureQueriesContext, setup_test_environment
        from django.urls import reverse

        setup_test_environment()
        print("migrating a throwaway database...", flush=True)
        call_command("migrate", verbosity=0)

        from portal.accounts.roles import Role
        from portal.accounts.tests.factories import user_with_role
        from portal.booking.tests.factories import RoomFactory
        from portal.catalogue.tests.factories import ScanTypeFactory
        from portal.reports.pdf import render_blank_pdf, render_report_pdf
        from portal.reports.tests.factories import completed_appointment, signed_report

        radiologist = user_with_role(Role.RADIOLOGIST)
        report = signed_report(by=radiologist, findings=(
            "The lungs are clear. No focal consolidation, pleural effusion or pneumothorax. The cardiomediastinal "
            "silhouette is within normal limits. The bony thorax is intact.\n\nNo free subdiaphragmatic gas."),
            impression="Normal chest radiograph.", recommendations="None.")

        # The practice details the demo site has (name, tagline, letterhead, address): a real letterhead.
        from wagtail.models import Site

        from cms.demo import PRACTICE
        from portal.core.models import PracticeSettings

        practice = PracticeSettings.for_site(Site.objects.get(is_default_site=True))
        for name, value in PRACTICE.items():
            setattr(practice, name, value)
        practice.save()

        # CPU time of this process is the ratio's clock: rendering is single-threaded CPU work, and on a
        # shared machine wall time mostly measures the neighbours. Wall time is printed too. The two
        # renders alternate, so a change in the machine's speed during the run touches both alike.
        from portal.reports.pdf import render_report_html

        timings = _alternating({"blank": render_blank_pdf, "pdf": lambda: render_report_pdf(report),
                                "html": lambda: render_report_html(report)}, args.repeat)
        blank, blank_wall = timings["blank"]
        pdf, pdf_wall = timings["pdf"]
        html_only, _ = timings["html"]
        ratio = pdf / blank
        print(f"blank A4 render:   {blank * 1000:7.1f} ms CPU, {blank_wall * 1000:7.1f} ms wall "
              f"(median of {args.repeat})")
        print(f"report PDF render: {pdf * 1000:7.1f} ms CPU, {pdf_wall * 1000:7.1f} ms wall "
              f"(of which the HTML: {html_only * 1000:.1f} ms CPU)")
        print(f"report / blank:    {ratio:.2f}x CPU, {pdf_wall / blank_wall:.2f}x wall (goal <= 5x); taken under "
              "load: load average {:.2f} {:.2f} {:.2f} on {} cores".format(*os.getloadavg(), os.cpu_count()))

        client = Client()
        client.force_login(radiologist)
        scan_types = [ScanTypeFactory(modality="xray"), ScanTypeFactory(modality="mri", mri_safety_screening=True)]
        rooms = {s.pk: RoomFactory(modality=s.modality) for s in scan_types}
        patients = [user_with_role(Role.PATIENT) for _ in range(20)]

        def add_waiting(count: int, offset: int) -> None:
            for i in range(count):
                scan = scan_types[i % 2]
                completed_appointment(patient=patients[i % len(patients)], scan_type=scan, room=rooms[scan.pk],
                                      hours_ago=1 + (offset + i) / 100,
                                      screening_answers={"pacemaker": "yes"} if i % 7 == 0 else {})

        def worklist_queries() -> int:
            client.get(reverse("reports:worklist"))  # warm
            with CaptureQueriesContext(connection) as ctx:
                response = client.get(reverse("reports:worklist"))
            assert response.status_code == 200, response.status_code
            return len(ctx.captured_queries)

        add_waiting(10, 0)
        queries_10 = worklist_queries()
        print("adding 990 more completed scans...", flush=True)
        add_waiting(990, 10)
        queries_1000 = worklist_queries()
        print(f"worklist queries with 10 waiting:    {queries_10}")
        print(f"worklist queries with 1,000 waiting: {queries_1000}")
        print(json.dumps({"pdf_vs_blank": round(ratio, 2),
                          "load_average": [round(x, 2) for x in os.getloadavg()], "worklist_queries_10": queries_10,
                          "worklist_queries_1000": queries_1000}))


if __name__ == "__main__":
    main()

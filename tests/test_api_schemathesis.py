"""schemathesis (a third-party API fuzzer) against the live API with a patient's token, over every
operation in the OpenAPI document: no 5xx, and every response conforms to the schema (status code,
content type, headers, body).

It runs the `schemathesis` command against a live server (pytest-django's live_server) with a
fixed seed, and prints its summary (`pytest -s` shows it)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from django.test import Client

from portal.accounts.roles import Role
from portal.accounts.tests.factories import app_token, user_with_role
from portal.booking.tests.conftest import local, open_every_day
from portal.booking.tests.factories import AppointmentFactory, RoomFactory
from portal.catalogue.models import Modality
from portal.catalogue.tests.factories import CoverRuleFactory, ScanTypeFactory
from portal.reports.tests.factories import completed_appointment, signed_report

CHECKS = ",".join([
    "not_a_server_error",
    "status_code_conformance",
    "content_type_conformance",
    "response_headers_conformance",
    "response_schema_conformance",
])
MAX_EXAMPLES = 25


@pytest.fixture
def api_data(transactional_db):
    """A patient with a booked and a completed appointment, a released report, a plan and open rooms."""
    import datetime as dt

    from django.utils import timezone

    patient = user_with_role(Role.PATIENT, phone="+263771234567")
    room = open_every_day(RoomFactory(name="X-ray fuzz", modality=Modality.XRAY))
    scan = ScanTypeFactory(code="xr-chest", modality=Modality.XRAY)
    CoverRuleFactory(modality=Modality.XRAY, percent_covered="80")
    AppointmentFactory(patient=patient, scan_type=scan, room=room,
                       start=local(timezone.localdate() + dt.timedelta(days=3), 9))
    signed_report(appointment=completed_appointment(patient=patient))
    return patient


@pytest.mark.slow
def test_schemathesis_over_every_operation_finds_no_5xx_and_no_nonconforming_response(live_server, api_data,
                                                                                      tmp_path):
    token = app_token(Client(), api_data)
    command = [
        str(Path(sys.executable).parent / "schemathesis"), "--no-color", "run",
        f"{live_server.url}/api/v1/openapi.json",
        "--header", f"X-Session-Token: {token}",
        "--checks", CHECKS,
        "--phases", "examples,coverage,fuzzing",
        "--max-examples", str(MAX_EXAMPLES),
        "--seed", "15",
        "--workers", "1",
        "--request-timeout", "30",
        "--generation-database", "none",
    ]
    result = subprocess.run(command, capture_output=True, text=True, timeout=900, cwd=tmp_path)
    output = result.stdout + result.stderr
    summary = output[output.rfind("SUMMARY"):] if "SUMMARY" in output else output[-3000:]
    print(summary)
    assert result.returncode == 0, output[-8000:]
    assert "No issues found" in output or " passed" in summary, summary

"""The booking race over the API: 20 app users post the same slot at once; one wins (201), the
rest get 409 problem details, no server error, one appointment in the database."""

from __future__ import annotations

import threading

import pytest
from django.db import connection
from django.test import Client

from portal.accounts.roles import Role
from portal.accounts.tests.factories import app_token, user_with_role
from portal.booking.models import Appointment
from portal.booking.tests.conftest import local, open_every_day
from portal.booking.tests.factories import RoomFactory
from portal.catalogue.tests.factories import ScanTypeFactory

THREADS = 20


@pytest.mark.slow
def test_twenty_app_users_booking_one_slot_make_exactly_one_booking(committed_db, day):
    room = open_every_day(RoomFactory(name="X-ray API race"))
    scan = ScanTypeFactory(code="api-race", duration_minutes=15)
    start = local(day, 10)
    tokens = [app_token(Client(), user_with_role(Role.PATIENT)) for _ in range(THREADS)]
    connection.close()

    barrier = threading.Barrier(THREADS)
    results: list[tuple[int, str]] = []
    errors: list[BaseException] = []
    lock = threading.Lock()

    def book(token: str) -> None:
        try:
            barrier.wait(timeout=60)
            response = Client().post("/api/v1/appointments", {"scan_type": scan.code, "start": start.isoformat()},
                                     content_type="application/json", HTTP_X_SESSION_TOKEN=token)
            with lock:
                results.append((response.status_code, response["Content-Type"]))
        except BaseException as exc:  # noqa: BLE001 - every failure is counted
            with lock:
                errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=book, args=(token,)) for token in tokens]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)

    assert errors == []
    statuses = sorted(status for status, _ in results)
    assert statuses == [201] + [409] * (THREADS - 1), results
    assert all(ct == "application/problem+json" for status, ct in results if status == 409)
    assert Appointment.objects.active().filter(room=room, start=start).count() == 1
    assert Appointment.objects.count() == 1

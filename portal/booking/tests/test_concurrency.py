"""50 people confirm the same slot at once: exactly one booking, no server error (SQLite and PostgreSQL).

Real threads, each with its own connection (closed at the end), on committed data: the
`committed_db` fixture is a transactional test (real commits, so the threads see each other).
"""

from __future__ import annotations

import re
import threading

import pytest
from django.db import connection
from django.test import Client
from django.urls import reverse

from portal.accounts.roles import Role
from portal.accounts.tests.factories import user_with_role
from portal.booking.models import Appointment
from portal.booking.tests.conftest import local, open_every_day
from portal.booking.tests.factories import RoomFactory
from portal.catalogue.tests.factories import ScanTypeFactory

THREADS = 50


@pytest.mark.slow
def test_fifty_threads_confirming_one_slot_make_exactly_one_booking(committed_db, day):
    room = open_every_day(RoomFactory(name="X-ray race"))
    scan = ScanTypeFactory(code="race", duration_minutes=15)
    start = local(day, 10)
    clients = []
    for _ in range(THREADS):
        client = Client()
        client.force_login(user_with_role(Role.PATIENT))
        session = client.session
        session["booking_wizard"] = {"scan": scan.code, "start": start.isoformat(), "payment": "self"}
        session.save()
        page = client.get(reverse("booking:book_confirm"))
        assert page.status_code == 200
        token = re.search(r'name="token" value="([^"]+)"', page.content.decode()).group(1)
        clients.append((client, token))
    connection.close()

    barrier = threading.Barrier(THREADS)
    results: list[str] = []
    errors: list[BaseException] = []
    lock = threading.Lock()

    def confirm(client: Client, token: str) -> None:
        try:
            barrier.wait(timeout=60)
            response = client.post(reverse("booking:book_confirm"), {"token": token})
            with lock:
                results.append(f"{response.status_code} {response.get('Location', '')}")
        except BaseException as exc:  # noqa: BLE001 - every failure is counted
            with lock:
                errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=confirm, args=pair) for pair in clients]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)

    assert errors == []
    assert len(results) == THREADS
    assert all(r.startswith("302 ") for r in results), results  # no 500, no 4xx
    booked = [r for r in results if "/appointments/" in r and "book" not in r]
    made = list(Appointment.objects.values_list("room_id", "start", "status", "patient_id"))
    assert len(booked) == 1, (results, made)
    assert sum("/book/when/" in r for r in results) == THREADS - 1  # "slot just taken": back to fresh slots
    assert Appointment.objects.active().filter(room=room, start=start).count() == 1
    assert Appointment.objects.count() == 1

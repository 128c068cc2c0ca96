"""Booking benchmark: concurrent booking throughput on SQLite and PostgreSQL, availability over
100,000 appointments, and the appointment list's query count at 10 and 1,000 appointments.

    .venv/bin/python bench/booking.py [--clients 50] [--attempts 20] [--appointments 100000]

Each database runs in its own process (settings are read at import): SQLite in a file under /tmp,
PostgreSQL in a throwaway database `h_booking_bench` (created and dropped; DATABASE_URL_BENCH_PG
overrides the server). Clients are real threads calling the booking service, each with its own
connection, picking random times from one shared grid so that they collide. The last line is one
JSON object.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PG_SERVER = os.environ.get("DATABASE_URL_BENCH_PG", "postgres://postgres@127.0.0.1:5432")
PG_DB = "h_booking_bench"
BENCH_ENV = {
    "DJANGO_DEBUG": "0",
    "DJANGO_SECRET_KEY": "bench-only-key-0123456789abcdefghijklmnopqrstuvwxyz-ABCDEFGH",
    "DJANGO_ALLOWED_HOSTS": "testserver,127.0.0.1,localhost",
    "DJANGO_SECURE_SSL_REDIRECT": "0",
    "DJANGO_SECURE_COOKIES": "0",
    "DJANGO_STATIC_MANIFEST": "0",
    "DJANGO_STAFF_MFA_REQUIRED": "0",
    "DJANGO_LOG_LEVEL": "WARNING",
    "DJANGO_EMAIL_BACKEND": "django.core.mail.backends.console.EmailBackend",  # chosen: no mail server here
    "DJANGO_FAST_PASSWORD_HASHER": "1",
    "DJANGO_SETTINGS_MODULE": "config.settings",
}


# --- the worker (one database) -----------------------------------------------------------


def _setup_django():
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0, interactive=False)


def _fixtures():
    import datetime as dt
    from decimal import Decimal

    from django.contrib.auth.models import Group

    from portal.accounts.models import User
    from portal.accounts.roles import Role
    from portal.booking.models import OpeningHours, Room
    from portal.catalogue.models import Modality, ScanType

    patients = Group.objects.get(name=Role.PATIENT)
    scans, rooms = [], []
    for modality, _label in Modality.choices:
        scans.append(
            ScanType.objects.create(
                code=f"b-{modality}",
                name=f"Bench {modality}",
                modality=modality,
                duration_minutes=15,
                price=Decimal("100.00"),
                live=True,
            )
        )
        for n in range(2):
            room = Room.objects.create(name=f"{modality} {n}", modality=modality)
            OpeningHours.objects.bulk_create(
                [OpeningHours(room=room, weekday=d, opens=dt.time(7, 0), closes=dt.time(19, 0)) for d in range(7)]
            )
            rooms.append(room)
    users = []
    for i in range(60):
        user = User.objects.create_user(
            f"bench{i}@example.test", "x-bench-password-1", first_name="B", last_name=str(i)
        )
        user.groups.add(patients)
        users.append(user)
    return scans, rooms, users


def _throughput(scan, users, clients: int, attempts: int) -> dict:
    import datetime as dt

    from django.db import connection
    from django.utils import timezone

    from portal.booking import services
    from portal.booking.schedule import compute_slots, rooms_for

    today = timezone.localdate()
    slots = compute_slots(
        scan_type=scan,
        rooms=rooms_for(scan),
        first_day=today + dt.timedelta(days=2),
        last_day=today + dt.timedelta(days=40),
    )
    # One shared grid of 1,000 starts x 2 rooms for 50 x 20 attempts: most succeed, some collide.
    grid = [s.start for s in slots][:1000]
    connection.close()
    barrier = threading.Barrier(clients)
    lock = threading.Lock()
    counts = {"booked": 0, "taken": 0, "errors": 0}

    def client(index: int) -> None:
        rng = random.Random(index)
        patient = users[index % len(users)]
        try:
            barrier.wait(timeout=60)
            for _ in range(attempts):
                try:
                    services.appointment_book(
                        patient=patient,
                        scan_type=scan,
                        start=rng.choice(grid),
                        plan=None,
                        member_number="",
                        screening_answers={},
                        booked_by=patient,
                    )
                    key = "booked"
                except services.SlotTaken:
                    key = "taken"
                except Exception as exc:  # noqa: BLE001 - counted, reported
                    key = "errors"
                    print(f"error: {type(exc).__name__}: {exc}", file=sys.stderr)
                with lock:
                    counts[key] += 1
        finally:
            connection.close()

    threads = [threading.Thread(target=client, args=(i,)) for i in range(clients)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - started
    return {
        **counts,
        "seconds": elapsed,
        "bookings_per_s": counts["booked"] / elapsed,
        "attempts_per_s": (counts["booked"] + counts["taken"] + counts["errors"]) / elapsed,
    }


def _double_bookings() -> int:
    from django.db.models import Exists, OuterRef

    from portal.booking.models import Appointment

    active = Appointment.objects.active()
    overlapping = active.filter(
        room_id=OuterRef("room_id"), start__lt=OuterRef("end"), end__gt=OuterRef("start")
    ).exclude(pk=OuterRef("pk"))
    return active.filter(Exists(overlapping)).count()


def _many_appointments(total: int, scans, rooms, users) -> None:
    import datetime as dt

    from django.utils import timezone

    from portal.booking.models import Appointment
    from portal.core.clock import practice_tz

    tz = practice_tz()
    now = timezone.now()
    today = timezone.localdate()
    by_modality = {s.modality: s for s in scans}
    rows, made = [], 0
    day = today - dt.timedelta(days=400)
    while made < total:
        for room in rooms:
            scan = by_modality[room.modality]
            # a future day is half full (every other 15-minute slot), a past one full
            step = 30 if day > today else 15
            minute = 7 * 60
            while minute + 15 <= 19 * 60 and made < total:
                start = dt.datetime.combine(day, dt.time(minute // 60, minute % 60), tzinfo=tz)
                if day > today + dt.timedelta(days=60):
                    break
                rows.append(
                    Appointment(
                        patient=users[made % len(users)],
                        scan_type=scan,
                        room=room,
                        start=start,
                        end=start + dt.timedelta(minutes=15),
                        status="completed" if start < now else "confirmed",
                        requested_at=now,
                        price=scan.price,
                        patient_amount=scan.price,
                    )
                )
                made += 1
                minute += step
        day += dt.timedelta(days=1)
        if day > today + dt.timedelta(days=60):
            day = today - dt.timedelta(days=800 + made // 1000)  # keep filling the past
        if len(rows) >= 5000:
            Appointment.objects.bulk_create(rows, batch_size=1000, ignore_conflicts=True)
            rows = []
    if rows:
        Appointment.objects.bulk_create(rows, batch_size=1000, ignore_conflicts=True)


def _availability_ms(scans) -> float:
    import datetime as dt

    from django.utils import timezone

    from portal.booking.schedule import compute_slots, rooms_for

    today = timezone.localdate()
    best = None
    for _ in range(3):
        started = time.perf_counter()
        for scan in scans:
            compute_slots(
                scan_type=scan, rooms=rooms_for(scan), first_day=today, last_day=today + dt.timedelta(days=30)
            )
        elapsed = (time.perf_counter() - started) * 1000
        best = elapsed if best is None else min(best, elapsed)
    return best


def _list_queries(user, scan, room, count: int) -> int:
    import datetime as dt

    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.urls import reverse
    from django.utils import timezone

    from portal.booking.models import Appointment

    Appointment.objects.filter(patient=user).delete()
    now = timezone.now()
    base = now - dt.timedelta(days=3000)
    Appointment.objects.bulk_create(
        [
            Appointment(
                patient=user,
                scan_type=scan,
                room=room,
                start=base + dt.timedelta(hours=i * 7 + 3),
                end=base + dt.timedelta(hours=i * 7 + 3, minutes=15),
                status="completed",
                requested_at=now,
                price=scan.price,
                patient_amount=scan.price,
            )
            for i in range(count)
        ],
        ignore_conflicts=True,
    )
    client = Client()
    client.force_login(user)
    client.get(reverse("booking:list"))
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(reverse("booking:list"))
    assert response.status_code == 200, response.status_code
    return len(ctx.captured_queries)


def worker(args) -> None:
    _setup_django()
    from django.contrib.auth.models import Group

    from portal.accounts.models import User
    from portal.accounts.roles import Role
    from portal.booking.models import Appointment

    scans, rooms, users = _fixtures()
    result = {}
    run = _throughput(scans[0], users, args.clients, args.attempts)
    result.update(throughput=run, double_bookings=_double_bookings())
    if args.appointments:
        started = time.perf_counter()
        _many_appointments(args.appointments, scans, rooms, users)
        result["existing_appointments"] = Appointment.objects.count()
        result["fill_seconds"] = time.perf_counter() - started
        result["availability_ms"] = _availability_ms(scans)
        result["double_bookings"] += _double_bookings()
    lister = User.objects.create_user("lister@example.test", "x-bench-password-1")
    lister.groups.add(Group.objects.get(name=Role.PATIENT))
    xray = next(s for s in scans if s.modality == "xray")
    room = next(r for r in rooms if r.modality == "xray")
    result["list_queries_10"] = _list_queries(lister, xray, room, 10)
    result["list_queries_1000"] = _list_queries(lister, xray, room, 1000)
    print(json.dumps(result, default=str))


# --- the conductor ------------------------------------------------------------------------


def _run_worker(database_url: str, args, appointments: int) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}
    env.update(BENCH_ENV, DATABASE_URL=database_url)
    command = [
        sys.executable,
        __file__,
        "--worker",
        "--clients",
        str(args.clients),
        "--attempts",
        str(args.attempts),
        "--appointments",
        str(appointments),
    ]
    done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        sys.stderr.write(done.stderr)
        raise SystemExit(f"the {database_url.split(':')[0]} worker failed")
    errors = [line for line in done.stderr.splitlines() if line.startswith("error:")]
    for line in errors[:5]:
        print("  " + line)
    return json.loads(done.stdout.strip().splitlines()[-1])


def _pg(sql: str) -> None:
    import psycopg

    with psycopg.connect(f"{PG_SERVER}/postgres", autocommit=True) as conn:
        conn.execute(sql)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--attempts", type=int, default=20, help="booking attempts per client")
    parser.add_argument("--appointments", type=int, default=100_000)
    args = parser.parse_args()
    if args.worker:
        worker(args)
        return

    with tempfile.TemporaryDirectory(prefix="booking-bench-", dir="/tmp") as tmp:
        print(
            f"SQLite ({tmp}/bench.sqlite3): migrating, {args.clients} clients booking, "
            f"{args.appointments:,} appointments...",
            flush=True,
        )
        lite = _run_worker(f"sqlite:///{tmp}/bench.sqlite3", args, args.appointments)
    print(f"PostgreSQL ({PG_DB}): migrating, {args.clients} clients booking...", flush=True)
    _pg(f"DROP DATABASE IF EXISTS {PG_DB} WITH (FORCE)")
    _pg(f"CREATE DATABASE {PG_DB}")
    try:
        pg = _run_worker(f"{PG_SERVER}/{PG_DB}", args, args.appointments)
    finally:
        _pg(f"DROP DATABASE IF EXISTS {PG_DB} WITH (FORCE)")

    for name, r in (("SQLite", lite), ("PostgreSQL", pg)):
        t = r["throughput"]
        print(
            f"{name:<11} {t['bookings_per_s']:8.1f} bookings/s  ({t['booked']} booked, {t['taken']} slot taken, "
            f"{t['errors']} errors in {t['seconds']:.2f} s; {t['attempts_per_s']:.1f} attempts/s); "
            f"double bookings {r['double_bookings']}; availability for a month, every scan type, "
            f"{r.get('existing_appointments', 0):,} appointments: {r.get('availability_ms', 0):.0f} ms; "
            f"list queries {r['list_queries_10']} at 10, {r['list_queries_1000']} at 1,000"
        )
    ratio = lite["throughput"]["bookings_per_s"] / pg["throughput"]["bookings_per_s"]
    print(f"SQLite / PostgreSQL booking throughput: {ratio:.2f} (goal >= 0.3)")
    summary = {
        "sqlite_bookings_per_s": round(lite["throughput"]["bookings_per_s"], 1),
        "postgres_bookings_per_s": round(pg["throughput"]["bookings_per_s"], 1),
        "sqlite_vs_postgres": round(ratio, 2),
        "errors": lite["throughput"]["errors"] + pg["throughput"]["errors"],
        "double_bookings": lite["double_bookings"] + pg["double_bookings"],
        "availability_ms": round(lite.get("availability_ms", 0), 1),
        "availability_ms_postgres": round(pg.get("availability_ms", 0), 1),
        "list_queries_10": lite["list_queries_10"],
        "list_queries_1000": lite["list_queries_1000"],
    }
    print(json.dumps(summary))


if __name__ == "__main__":
    main()

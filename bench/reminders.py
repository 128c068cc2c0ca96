"""Benchmark: 10,000 due reminders through a real django-q2 worker.

What it does, on a throwaway SQLite database (a temporary folder, migrated first):
1. creates 10,000 upcoming appointments whose reminder time has come (100 patients, SMS only);
2. starts a real `manage.py qcluster` (ORM broker, DJANGO_Q_WORKERS workers, default 2) on that
   database, with SMS_BACKEND=file (a counting backend: one line per message sent);
3. queues `send_due_reminders` once and times until every reminder is marked sent;
4. times a raw loop of 10,000 INSERT + DELETE statements (autocommit, one row each) on the same
   database: the cost of the two writes every message needs at least;
5. prints the figures; the last line is one JSON object.

Run: `.venv/bin/python bench/reminders.py [--reminders 10000] [--workers 2]`

`--send-only`: no worker. Plans the reminders, then times `deliveries_send` over them in batches of
SEND_BATCH with the locmem SMS backend (the claim, one commit per message, the closing commit), against
a plain loop that only calls the same backend with the same text, in the same process and run; prints
both rates, the cost per message of the database's part, and `uptime`. The last line is JSON.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--reminders", type=int, default=10_000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--send-only", action="store_true", help="time deliveries_send in-process, no worker")
    args = parser.parse_args()

    folder = Path(tempfile.mkdtemp(prefix="bench-reminders-"))
    sms_file = folder / "sms.jsonl"
    env = {
        **{k: v for k, v in os.environ.items() if k not in ("REDIS_URL", "DATABASE_URL")},
        "DATABASE_URL": f"sqlite:///{folder / 'bench.sqlite3'}",
        "DJANGO_DEBUG": "0",
        "DJANGO_SECRET_KEY": "bench-only-key-0123456789abcdefghijklmnopqrstuvwxyz-ABCDEFGHIJ",
        "DJANGO_ALLOWED_HOSTS": "localhost",
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DJANGO_Q_SYNC": "0",
        "DJANGO_Q_NAME": f"bench-{os.getpid()}",
        "DJANGO_Q_WORKERS": str(args.workers),
        "DJANGO_LOG_LEVEL": "WARNING",
        "DJANGO_EMAIL_BACKEND": "django.core.mail.backends.console.EmailBackend",  # chosen: no mail server here
        "SMS_BACKEND": "locmem" if args.send_only else "file",
        "SMS_FILE_PATH": str(sms_file),
        "NOTIFICATIONS_QUIET_HOURS": "off",
        "NOTIFICATIONS_REMINDER_OFFSETS_HOURS": "24,2",
    }
    os.environ.update(env)
    sys.path.insert(0, str(ROOT))
    print(f"Throwaway database in {folder}; migrating...", flush=True)
    subprocess.run([sys.executable, "manage.py", "migrate", "--noinput", "-v", "0"], cwd=ROOT, env=env, check=True)

    import django

    django.setup()
    from django.db import connection
    from django.utils import timezone

    from portal.accounts.models import User
    from portal.booking.models import Appointment, Room
    from portal.catalogue.models import Modality, ScanType
    from portal.notifications.models import Delivery

    now = timezone.now()
    scan_type = ScanType.objects.create(code="bench-xray", name="Chest X-ray", modality=Modality.XRAY,
                                        duration_minutes=15, price=Decimal("40.00"))
    rooms = [Room.objects.create(name=f"Bench room {n}", modality=Modality.XRAY) for n in range(10)]
    patients = User.objects.bulk_create(
        User(email=f"bench{n}@example.test", first_name="Bench", last_name=f"Patient {n}",
             phone=f"+26377{n:07d}", notify_by_email=False, notify_by_sms=True)
        for n in range(100)
    )
    appointments = []
    for n in range(args.reminders):
        start = now + dt.timedelta(minutes=10) + dt.timedelta(seconds=8 * n)  # within the next ~22 hours
        appointments.append(Appointment(
            patient=patients[n % len(patients)], scan_type=scan_type, room=rooms[n % len(rooms)], start=start,
            end=start + dt.timedelta(minutes=15), status=Appointment.Status.CONFIRMED,
            requested_at=now - dt.timedelta(days=3), confirmed_at=now - dt.timedelta(days=3),
            price=Decimal("40.00"), patient_amount=Decimal("40.00"),
        ))
    Appointment.objects.bulk_create(appointments, batch_size=1000)
    # Only the run this script queues is timed: the every-minute schedule would add a second one.
    from django_q.models import Schedule

    Schedule.objects.all().delete()
    if args.send_only:
        send_only(args.reminders)
        return
    print(f"{args.reminders} appointments with a reminder due; starting qcluster ({args.workers} workers)", flush=True)

    log = (folder / "qcluster.log").open("w")
    cluster = subprocess.Popen([sys.executable, "manage.py", "qcluster"], cwd=ROOT, env=env, stdout=log,
                               stderr=subprocess.STDOUT)
    try:
        time.sleep(4)  # let the cluster start its workers
        from django_q.tasks import async_task

        started = time.perf_counter()
        async_task("portal.notifications.tasks.send_due_reminders", sync=False)
        sent = 0
        while time.perf_counter() - started < 1800:
            sent = Delivery.objects.filter(status__in=["sent", "delivered"]).count()
            if sent >= args.reminders:
                break
            time.sleep(0.2)
        seconds = time.perf_counter() - started
    finally:
        cluster.send_signal(signal.SIGTERM)
        try:
            cluster.wait(timeout=60)
        except subprocess.TimeoutExpired:
            cluster.kill()
        log.close()

    lines = sms_file.read_text().splitlines() if sms_file.exists() else []
    sent = Delivery.objects.filter(status__in=["sent", "delivered"]).count()
    print(f"worker: {sent} reminders marked sent, {len(lines)} SMS written, in {seconds:.2f} s "
          f"({len(lines) / seconds:.0f} messages/s)")

    with connection.cursor() as cursor:
        cursor.execute("CREATE TABLE bench_raw (id INTEGER PRIMARY KEY, kind TEXT NOT NULL, body TEXT NOT NULL)")
    raw_started = time.perf_counter()
    with connection.cursor() as cursor:
        for n in range(args.reminders):
            cursor.execute("INSERT INTO bench_raw (id, kind, body) VALUES (%s, %s, %s)", [n, "reminder", "x" * 120])
            cursor.execute("DELETE FROM bench_raw WHERE id = %s", [n])
    raw_seconds = time.perf_counter() - raw_started
    print(f"raw: {args.reminders} INSERT + DELETE pairs (autocommit) in {raw_seconds:.2f} s")

    ratio = raw_seconds / seconds
    print(f"ratio (raw time / worker time): {ratio:.2f} (goal >= 0.2)")
    print(json.dumps({"reminders": args.reminders, "sent": len(lines), "seconds": round(seconds, 2),
                      "ratio_vs_raw": round(ratio, 2)}))


def send_only(reminders: int) -> None:
    """deliveries_send (one commit per message) against a loop that only calls the backend."""
    from portal.notifications import services, sms
    from portal.notifications.models import Delivery
    from portal.notifications.sending import deliveries_send

    planned = services.reminders_plan_due()
    ids = list(Delivery.objects.filter(status="pending", channel="sms").order_by("pk").values_list("pk", flat=True))
    print(f"{planned} reminders planned, {len(ids)} SMS pending; sending in batches of {services.SEND_BATCH}",
          flush=True)
    # Rendering alone (the send path renders each message too), to tell it from the database's part.
    from django.utils import timezone

    from portal.notifications.messages import render
    from portal.notifications.sending import _outgoing

    rows = _outgoing(ids, timezone.now())  # read now, rendered after the send run (templates warm, as there)
    render(rows[0], to=rows[0].phone)  # the first render loads the templates: not counted on either side

    started = time.perf_counter()
    sent = sum(deliveries_send(delivery_ids=ids[at:at + services.SEND_BATCH])
               for at in range(0, len(ids), services.SEND_BATCH))
    seconds = time.perf_counter() - started
    assert sent == len(ids) == len(sms.outbox), (sent, len(ids), len(sms.outbox))
    assert Delivery.objects.filter(pk__in=ids, status="sent").count() == len(ids)

    render_started = time.perf_counter()
    for row in rows:
        render(row, to=row.phone)
    render_seconds = time.perf_counter() - render_started

    # The same messages, rendered once beforehand: the loop times the backend calls alone.
    texts = [(message.to, message.body) for message in sms.outbox]
    sms.outbox.clear()
    backend = sms.get_backend()
    loop_started = time.perf_counter()
    for to, body in texts:
        backend.send(to=to, body=body)
    loop_seconds = time.perf_counter() - loop_started
    assert len(sms.outbox) == len(texts)

    load = subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip()
    rate, loop_rate = sent / seconds, len(texts) / loop_seconds
    per_message_ms = (seconds - loop_seconds) / sent * 1000
    render_ms = render_seconds / len(rows) * 1000
    print(f"deliveries_send: {sent} SMS in {seconds:.2f} s ({rate:.0f} messages/s)")
    print(f"backend only:    {len(texts)} SMS in {loop_seconds:.3f} s ({loop_rate:.0f} messages/s)")
    print(f"render only:     {len(rows)} messages in {render_seconds:.2f} s ({render_ms:.2f} ms a message)")
    print(f"send path beyond the backend: {per_message_ms:.2f} ms a message, of which the database's part "
          f"(claim, one commit per message, the last commit) about {per_message_ms - render_ms:.2f} ms")
    print(f"uptime: {load}")
    print(json.dumps({"sent": sent, "seconds": round(seconds, 2), "messages_per_s": round(rate),
                      "backend_only_messages_per_s": round(loop_rate), "ms_per_message": round(per_message_ms, 2),
                      "render_ms_per_message": round(render_ms, 2),
                      "uptime": load}))


if __name__ == "__main__":
    main()

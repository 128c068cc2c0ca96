"""End to end with a real worker: `manage.py qcluster` in a subprocess, on the test database, sends a
due reminder once (the ORM broker always; Redis too when REDIS_URL is set, as in CI)."""

from __future__ import annotations

import datetime as dt
import json
import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path
from urllib.parse import quote

import pytest
from django.conf import settings
from django.db import connection
from django.utils import timezone
from django_q.models import Schedule, Task
from django_q.tasks import async_task

from portal.notifications.models import Delivery, NotificationPreference
from portal.notifications.receivers import SEND_DUE_REMINDERS, ensure_schedule

from .conftest import make_appointment, make_patient

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("keep_migrated_data")]


def _test_database_url() -> str:
    db = connection.settings_dict
    if db["ENGINE"] == "django.db.backends.sqlite3":
        return f"sqlite:///{Path(db['NAME']).resolve()}"
    auth = quote(db["USER"] or "") + (f":{quote(db['PASSWORD'])}" if db.get("PASSWORD") else "")
    return f"postgres://{auth}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


def _wait_for(condition, *, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.5)
    raise AssertionError(f"Timed out after {timeout:.0f}s waiting for {what}")


def _run_cluster_and_check(tmp_path: Path, monkeypatch, *, redis_url: str | None) -> None:
    # A cluster name of its own: its own queue, even on a Redis shared with other runs. Tasks are
    # signed with the name, so this process signs with it too.
    cluster = f"notify-test-{uuid.uuid4().hex[:8]}"
    monkeypatch.setattr("django_q.conf.Conf.PREFIX", cluster)
    sms_file = tmp_path / "sms.jsonl"
    env = {key: value for key, value in os.environ.items() if key != "REDIS_URL"}
    env.update(
        DATABASE_URL=_test_database_url(), DJANGO_Q_SYNC="0", DJANGO_Q_NAME=cluster, DJANGO_Q_WORKERS="1",
        DJANGO_SECRET_KEY=os.environ["DJANGO_SECRET_KEY"], DJANGO_ALLOWED_HOSTS=os.environ["DJANGO_ALLOWED_HOSTS"],
        DJANGO_DEBUG="0", DJANGO_SETTINGS_MODULE="config.settings", SMS_BACKEND="file",
        SMS_FILE_PATH=str(sms_file), DJANGO_EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend",
        NOTIFICATIONS_REMINDER_OFFSETS_HOURS="24,2", NOTIFICATIONS_QUIET_HOURS="off",
    )
    if redis_url:
        env["REDIS_URL"] = redis_url

    patient = make_patient(email=False)
    NotificationPreference.objects.create(user=patient, quiet_hours=False)
    now = timezone.now()
    appointment = make_appointment(start=now + dt.timedelta(minutes=90), patient=patient,
                                   requested_at=now - dt.timedelta(days=3))
    ensure_schedule()
    Schedule.objects.filter(func=SEND_DUE_REMINDERS).update(next_run=now - dt.timedelta(seconds=1))

    log = (tmp_path / "qcluster.log").open("w")
    process = subprocess.Popen(
        [sys.executable, "manage.py", "qcluster"], cwd=settings.BASE_DIR, env=env, stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        # The scheduler wakes about every 30 s; the reminder is due now.
        _wait_for(lambda: Delivery.objects.filter(appointment=appointment, status="sent").exists(),
                  timeout=120, what="the scheduled reminder to be sent")
        delivery = Delivery.objects.get(appointment=appointment)

        # Queue the same work again through the broker, twice: nothing more goes out.
        if redis_url:
            from django_q.brokers.redis_broker import Redis

            broker = Redis(list_key=cluster)
        else:
            from django_q.brokers.orm import ORM

            broker = ORM(list_key=cluster)
        again = [
            async_task(SEND_DUE_REMINDERS, sync=False, broker=broker),
            async_task("portal.notifications.tasks.send_deliveries", [delivery.pk], sync=False, broker=broker),
            async_task("portal.notifications.tasks.send_deliveries", [delivery.pk], sync=False, broker=broker),
        ]
        _wait_for(lambda: Task.objects.filter(id__in=again, success=True).count() == len(again),
                  timeout=60, what="the repeated tasks to finish")
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()

    lines = [json.loads(line) for line in sms_file.read_text().splitlines()]
    assert len(lines) == 1, (tmp_path / "qcluster.log").read_text()[-3000:]
    assert lines[0]["to"] == "+263771234567" and "reminder" in lines[0]["body"]
    delivery.refresh_from_db()
    assert delivery.status == "sent" and delivery.provider_message_id == lines[0]["sid"]
    assert delivery.key.startswith("reminder_2h_") and delivery.attempts == 1
    assert Delivery.objects.filter(appointment=appointment).count() == 1


def test_real_qcluster_with_the_orm_broker_delivers_a_due_reminder_once(tmp_path, monkeypatch):
    _run_cluster_and_check(tmp_path, monkeypatch, redis_url=None)


@pytest.mark.skipif(not os.environ.get("REDIS_URL"), reason="REDIS_URL is not set")
def test_real_qcluster_with_redis_delivers_a_due_reminder_once(tmp_path, monkeypatch):
    _run_cluster_and_check(tmp_path, monkeypatch, redis_url=os.environ["REDIS_URL"])

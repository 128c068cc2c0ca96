"""Fault drill, the services under the cluster (issue 20): its own Redis stopped for 30 s, its own
PostgreSQL restarted (`pg_ctl restart -m fast`) under load. bin/cluster runs both for the cluster alone,
so neither touches the machine's servers.

Each test prints its figures (requests tried, failed by status, rows checked, messages sent) for
docs/cluster.md."""

from __future__ import annotations

import collections
import datetime as dt
import json
import secrets
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import requests

from .conftest import bin_cluster, wait_for

SCAN = "xr-chest"  # no referral or safety step: the API books it from a slot alone

PATIENTS = """
import json
from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.contrib.sessions.backends.db import SessionStore
from portal.accounts.roles import Role
from portal.accounts.tests.factories import UserFactory
out = []
for n in range(COUNT):
    user = UserFactory(roles=[Role.PATIENT], email=f"{BATCH}-{n}@example.test", phone=f"+26377PREFIX{n:03d}",
                       notify_by_email=True, notify_by_sms=True)
    store = SessionStore()
    store[SESSION_KEY] = str(user.pk)
    store[BACKEND_SESSION_KEY] = "portal.accounts.backends.CachedPermissionsBackend"
    store[HASH_SESSION_KEY] = user.get_session_auth_hash()
    store.create()
    out.append(store.session_key)
print(json.dumps({"cookie": settings.SESSION_COOKIE_NAME, "sessions": out}))
"""

# Every booking of the batch with what the booking service writes with it (its quote, in the same
# transaction) and what the worker plans after the commit (the confirmation on each channel).
BOOKINGS = """
import collections, json
from django_q.models import Schedule
from portal.booking.models import Appointment
from portal.notifications.models import Delivery
rows = []
for a in Appointment.objects.filter(patient__email__startswith="{batch}-").order_by("pk"):
    deliveries = list(Delivery.objects.filter(appointment=a).values_list("kind", "channel", "status"))
    rows.append({{"id": a.pk, "n": int(a.patient.email.split("@")[0].rsplit("-", 1)[1]),
                 "quote": a.price is not None and a.patient_amount is not None and a.end > a.start,
                 "deliveries": deliveries}})
print(json.dumps({{"bookings": rows, "kept": Schedule.objects.filter(name__startswith="retry: ").count()}}))
"""


def _last_json(stdout: str):
    return json.loads(stdout.strip().splitlines()[-1])


def _patients(cluster, count: int) -> tuple[str, str, list[str]]:
    batch, prefix = f"svc-{secrets.token_hex(3)}", f"{secrets.randbelow(10_000):04d}"
    code = PATIENTS.replace("COUNT", str(count)).replace("BATCH", repr(batch)).replace("PREFIX", prefix)
    out = _last_json(cluster.django(code))
    return batch, out["cookie"], out["sessions"]


def _slots(cluster, token: str, count: int, weeks_ahead: int) -> list[str]:
    """`count` free slot starts on weekdays some weeks ahead (each drill its own days)."""
    day, slots = dt.date.today() + dt.timedelta(weeks=weeks_ahead), []
    while len(slots) < count:
        day += dt.timedelta(days=1)
        response = requests.get(f"{cluster.url}/api/v1/availability?scan_type={SCAN}&date_from={day.isoformat()}",
                                headers={"X-Session-Token": token}, timeout=30)
        assert response.status_code == 200, response.text
        slots += [slot["start"] for slot in response.json()["slots"]]
    return slots[:count]


_ANSWERS: dict[str, dict] = {}


def _book(cluster, token: str, start: str) -> requests.Response:
    if cluster.url not in _ANSWERS:  # "no" to each safety question (the scan's pregnancy question)
        questions = requests.get(f"{cluster.url}/api/v1/scan-types/{SCAN}/screening-questions", timeout=30).json()
        _ANSWERS[cluster.url] = {q["key"]: "no" for q in questions}
    return requests.post(f"{cluster.url}/api/v1/appointments",
                         json={"scan_type": SCAN, "start": start, "screening_answers": _ANSWERS[cluster.url]},
                         headers={"X-Session-Token": token}, timeout=60)


def _settled(cluster, batch: str, expected: int | None = None, *, interrupted_ok: bool = False) -> dict | None:
    """The batch's bookings (`expected` of them) once each has its confirmation sent on both channels,
    nothing kept for later. interrupted_ok: a delivery may also stay "sending", claimed by a sender the
    database went away from (deliveries_release_stuck hands it back after STUCK_AFTER, 10 minutes)."""
    figures = _last_json(cluster.django(BOOKINGS.format(batch=batch)))
    counted = expected is None or len(figures["bookings"]) == expected
    final = {"sent", "sending"} if interrupted_ok else {"sent"}
    done = counted and figures["kept"] == 0 and all(
        {(kind, channel) for kind, channel, status in b["deliveries"] if status in final}
        >= {("confirmation", "email"), ("confirmation", "sms")} and {s for _, _, s in b["deliveries"]} <= final
        for b in figures["bookings"])
    return figures if done else None


def _check_rows(figures: dict) -> dict:
    bookings = figures["bookings"]
    duplicates = sum(len(b["deliveries"]) - len({(k, c) for k, c, _ in b["deliveries"]}) for b in bookings)
    statuses = collections.Counter(status for b in bookings for _, _, status in b["deliveries"])
    return {"bookings": len(bookings), "with_quote": sum(b["quote"] for b in bookings),
            "messages_sent": statuses.get("sent", 0), "by_status": dict(statuses), "duplicates": duplicates}


def test_with_the_clusters_redis_stopped_for_30_s_pages_render_and_queued_messages_go_out_after(cluster):
    batch, cookie_name, sessions = _patients(cluster, 6)
    slots = _slots(cluster, sessions[0], len(sessions), weeks_ahead=3)
    signed_in = {cookie_name: sessions[0]}
    pages = {"home": ("/", None), "login": ("/login/", None), "signed-in": ("/appointments/list/", signed_in)}
    for path, cookies in pages.values():
        assert cluster.get_through_nginx(path, cookies=cookies).status_code == 200
    redis_pid = cluster.state["pids"]["redis"]
    statuses, health, booked = collections.defaultdict(collections.Counter), [], []
    bin_cluster.stop_pid(redis_pid)  # SIGTERM: no persistence, whatever it held is gone
    stopped_at = time.monotonic()
    try:
        assert not bin_cluster.alive(redis_pid)
        assert not bin_cluster.port_answers("127.0.0.1", cluster.state["redis_port"])
        while time.monotonic() - stopped_at < 30:
            for name, (path, cookies) in pages.items():
                statuses[name][cluster.get_through_nginx(path, cookies=cookies).status_code] += 1
            response = cluster.get_through_nginx("/healthz")
            health.append((response.status_code, response.json().get("cache")))
            if len(booked) < len(sessions):  # one booking per patient, spread over the outage
                n = len(booked)
                booked.append(_book(cluster, sessions[n], slots[n]).status_code)
            time.sleep(1)
        during = _last_json(cluster.django(BOOKINGS.format(batch=batch)))
    finally:
        cluster.state["pids"]["redis"] = bin_cluster.start_redis(cluster.state)
        cluster.save()
        outage = time.monotonic() - stopped_at
    healthy_again = wait_for(lambda: cluster.get_through_nginx("/healthz").status_code == 200, 60, 1)
    settled_at = time.monotonic()
    figures = wait_for(lambda: _settled(cluster, batch, len(sessions)), 240, 3)
    settle_seconds = time.monotonic() - settled_at
    if figures is None:
        figures = _last_json(cluster.django(BOOKINGS.format(batch=batch)))
    rows = _check_rows(figures)
    kept_during = during["kept"]
    sent_during = sum(status == "sent" for b in during["bookings"] for _, _, status in b["deliveries"])
    print(f"\nRedis stopped {outage:.0f} s: pages { {k: dict(v) for k, v in statuses.items()} }, "
          f"/healthz {collections.Counter(health)}, bookings {collections.Counter(booked)}; during the outage "
          f"{kept_during} tasks kept in the database, {sent_during} messages sent; after Redis came back "
          f"healthz 200: {bool(healthy_again)}, settled in {settle_seconds:.0f} s: {rows}")
    for name in pages:
        assert set(statuses[name]) == {200}, (name, statuses[name])
    assert health and set(health) == {(503, "error")}
    assert booked == [201] * len(sessions)
    assert kept_during >= len(sessions)  # each booking's confirmation, at least
    assert healthy_again
    assert figures is not None and _settled(cluster, batch, len(sessions)) is not None, figures
    assert rows["bookings"] == rows["with_quote"] == len(sessions) and rows["duplicates"] == 0


def test_a_postgresql_restart_under_load_fails_requests_cleanly_and_the_servers_reconnect(cluster):
    clients, count = 6, 90
    batch, cookie_name, sessions = _patients(cluster, count)
    slots = _slots(cluster, sessions[0], count, weeks_ahead=6)
    lock = threading.Lock()
    results = []  # (started, ended, kind, status, session index)
    attempt = iter(range(count))
    restarted = {}

    def client(c: int) -> None:
        http = requests.Session()
        while "done" not in restarted:
            with lock:
                n = next(attempt, None)
            if n is None:
                return
            for kind, call in (
                ("book", lambda n=n: _book(cluster, sessions[n], slots[n])),
                ("home", lambda: requests.get(cluster.url + "/", timeout=60)),
                ("signed-in", lambda n=n: http.get(cluster.url + "/appointments/list/", timeout=60,
                                                   cookies={cookie_name: sessions[n]}, allow_redirects=False)),
            ):
                started = time.monotonic()
                try:
                    status = call().status_code
                except requests.RequestException as exc:
                    status = type(exc).__name__
                with lock:
                    results.append((started, time.monotonic(), kind, status, n))
            time.sleep(0.2)

    with ThreadPoolExecutor(clients) as pool:
        futures = [pool.submit(client, c) for c in range(clients)]
        assert wait_for(lambda: len(results) >= 30, 120, 0.2)
        restarted["start"] = time.monotonic()
        bin_cluster.pg_ctl("-m", "fast", "-l", str(bin_cluster.STATE_DIR / "postgres.log"), "-w", "-t", "60",
                           "restart")
        restarted["end"] = time.monotonic()
        cluster.state["pids"]["postgres"] = bin_cluster.postmaster_pid()
        cluster.save()
        assert wait_for(lambda: sum(r[0] > restarted["end"] + 1 for r in results) >= 60, 180, 0.5)
        restarted["done"] = True
        for future in futures:
            future.result()

    before = [r for r in results if r[1] < restarted["start"]]
    inflight = [r for r in results if r[1] >= restarted["start"] and r[0] <= restarted["end"] + 1]
    after = [r for r in results if r[0] > restarted["end"] + 1]
    ok = {"book": 201, "home": 200, "signed-in": 200}
    failed = collections.Counter((r[2], r[3]) for r in results if r[3] != ok[r[2]])
    booked_ok = {r[4] for r in results if r[2] == "book" and r[3] == 201}
    book_failed = {r[4] for r in results if r[2] == "book" and r[3] != 201}
    tried_bookings = booked_ok | book_failed
    time.sleep(3)  # the workers plan each confirmation after the booking's commit
    figures = wait_for(lambda: _settled(cluster, batch, interrupted_ok=True), 240, 3)
    time.sleep(5)  # a "sending" still in flight then is sent by now; what stays was interrupted
    figures = figures and _settled(cluster, batch, interrupted_ok=True)
    final = figures or _last_json(cluster.django(BOOKINGS.format(batch=batch)))
    rows = _check_rows(final)
    saved = {b["n"] for b in final["bookings"]}
    saved_after_an_error = saved & book_failed
    saved_though = len(saved_after_an_error)
    print(f"\nPostgreSQL restart ({restarted['end'] - restarted['start']:.1f} s): {len(results)} requests tried "
          f"({len(before)} before, {len(inflight)} in flight or within 1 s after, {len(after)} after); failed "
          f"by (kind, status) {dict(failed)}; after the restart {sum(r[3] == ok[r[2]] for r in after)}/{len(after)} "
          f"succeeded; {len(tried_bookings)} bookings tried, {len(booked_ok)} answered 201, {saved_though} saved "
          f"though the answer was an error; rows checked {rows}")
    assert all(r[3] == ok[r[2]] for r in before)
    # an error page, not a hang or a dropped connection; 400 is Django's SessionInterrupted (the session's
    # save met the dead connection)
    assert all(isinstance(r[3], int) and r[3] in (ok[r[2]], 400, 500, 502, 503, 504) for r in inflight), inflight
    assert after and all(r[3] == ok[r[2]] for r in after), [r for r in after if r[3] != ok[r[2]]]
    # no half-written booking: each row the database kept came whole (its quote, its confirmation on
    # both channels), and each 201 has its row
    assert figures is not None, final
    assert booked_ok <= saved <= tried_bookings
    assert rows["bookings"] == rows["with_quote"] and rows["duplicates"] == 0

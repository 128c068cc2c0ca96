"""Through nginx (two app servers) against one app server directly, on the running cluster (issue 20).

    .venv/bin/python bin/cluster start
    .venv/bin/python bench/cluster.py [--requests 400] [--concurrency 8] [--race-clients 50] [--race-only]

The anonymous home page (the shared page cache answers it) and a signed-in patient's appointment list
(/appointments/list/, a fresh render every time; the session is made in the cluster's database for
the first patient of the demo). Prints requests/s for each, the ratio nginx / one server, and the load
average (2 shared cores: read the ratio, not the absolute figures). Not a test.

The booking race: N patients (50), each with its own signed-in session, walk the booking wizard over
HTTP (scan, date and time, self-pay) to the confirm step for the same slot (a time with exactly one
free room), half of them on each app server; then all post the confirm form (its CSRF token and
signed token, as a browser does) at once. Prints the bookings made for the slot (must be 1), the
answers by status and outcome, and the server errors (must be 0). tests/cluster/test_booking_race.py
runs it and asserts both.
"""

from __future__ import annotations

import argparse
import collections
import html
import importlib.machinery
import importlib.util
import json
import os
import re
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent
_loader = importlib.machinery.SourceFileLoader("bin_cluster", str(ROOT / "bin" / "cluster"))
_spec = importlib.util.spec_from_loader("bin_cluster", _loader)
bin_cluster = importlib.util.module_from_spec(_spec)
_loader.exec_module(bin_cluster)

SESSION_CODE = """
from django.contrib.auth import get_user_model, BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.contrib.sessions.backends.db import SessionStore
from importlib import import_module
from django.conf import settings
user = get_user_model().objects.filter(is_staff=False, is_active=True).order_by("pk").first()
store = import_module(settings.SESSION_ENGINE).SessionStore()
store[SESSION_KEY] = str(user.pk)
store[BACKEND_SESSION_KEY] = "portal.accounts.backends.CachedPermissionsBackend"
store[HASH_SESSION_KEY] = user.get_session_auth_hash()
store.create()
print(settings.SESSION_COOKIE_NAME, store.session_key)
"""


RACE_SETUP = """
import datetime as dt, json, secrets
from importlib import import_module
from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.contrib.auth.models import Group
from django.urls import reverse
from django.utils import timezone
from portal.accounts.models import User
from portal.accounts.roles import Role
from portal.booking import selectors
from portal.booking.steps import steps_for
from portal.catalogue.selectors import scan_type_list_bookable
from portal.core.clock import local_day

def target():
    # a scan the wizard books in scan -> when -> payment -> confirm (no safety questions, no referral
    # letter), and a time with exactly one free room: one booking can be made for it, no more
    today = local_day(timezone.now())
    for scan in scan_type_list_bookable():
        if {step.key for step in steps_for(scan)} != {"scan", "when", "payment", "confirm"}:
            continue
        for ahead in range(3, 40):
            day = today + dt.timedelta(days=ahead)
            for slot in selectors.slots_for(scan_type=scan, day=day):
                if len(slot.room_ids) == 1:
                    return scan, day, slot
    raise SystemExit("no bookable slot with exactly one free room in the next 40 days")

scan, day, slot = target()
tag = secrets.token_hex(3)
group = Group.objects.get(name=Role.PATIENT)
engine = import_module(settings.SESSION_ENGINE)
sessions = []
for n in range(CLIENTS):
    user = User.objects.create_user(email=f"race-{tag}-{n}@example.test", password=None, first_name="Race",
                                    last_name=f"Patient {n}", notify_by_sms=False, notify_by_email=False)
    user.groups.add(group)
    store = engine.SessionStore()
    store[SESSION_KEY] = str(user.pk)
    store[BACKEND_SESSION_KEY] = "portal.accounts.backends.CachedPermissionsBackend"
    store[HASH_SESSION_KEY] = user.get_session_auth_hash()
    store.create()
    sessions.append(store.session_key)
print(json.dumps({"tag": tag, "scan": scan.code, "day": day.isoformat(), "start": slot.start.isoformat(),
                  "end": slot.end.isoformat(), "room": slot.room_ids[0], "cookie": settings.SESSION_COOKIE_NAME,
                  "sessions": sessions, "urls": {step: reverse(f"booking:{step}") for step in
                                                 ("book", "book_when", "book_payment", "book_confirm")},
                  "booked_url": reverse("booking:detail", args=[12345]).replace("12345", r"\\d+")}))
"""

RACE_COUNT = """
import json
from portal.booking.models import Appointment
race = Appointment.objects.filter(patient__email__startswith="race-TAG-")
print(json.dumps({"race_bookings": race.count(),
                  "for_the_slot": race.filter(start=START, scan_type__code=SCAN).count(),
                  "in_the_room_at_that_time": Appointment.objects.filter(room_id=ROOM, start__lt=END, end__gt=START)
                  .exclude(status__in=["cancelled", "no_show"]).count()}))
"""

_CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
_TOKEN = re.compile(r'name="token" value="([^"]+)"')


def _django(state: dict, code: str) -> dict:
    out = subprocess.run([bin_cluster.PY, "manage.py", "shell", "-c", code], cwd=ROOT, env=bin_cluster.app_env(state),
                         capture_output=True, text=True, timeout=300)
    if out.returncode != 0:
        raise RuntimeError(out.stderr[-2000:])
    return json.loads(out.stdout.strip().splitlines()[-1])


def _form_field(pattern: re.Pattern, response: requests.Response, what: str) -> str:
    found = pattern.search(response.text)
    if not found:
        raise RuntimeError(f"{what} not found on {response.url} ({response.status_code})")
    return html.unescape(found.group(1))


def _to_confirm(base: str, session: requests.Session, race: dict) -> tuple[str, str]:
    """Walk the wizard up to the confirm step as a browser does; the confirm form's CSRF and signed tokens."""
    def expect_redirect(response: requests.Response, to: str) -> None:
        location = response.headers.get("Location", "")
        if response.status_code != 302 or to not in location:
            raise RuntimeError(f"{response.request.method} {response.url}: {response.status_code} {location!r}, "
                               f"expected a redirect to {to}")

    urls = {step: base + path for step, path in race["urls"].items()}
    expect_redirect(session.get(urls["book"], params={"scan": race["scan"]}, allow_redirects=False, timeout=60),
                    race["urls"]["book_when"])
    when = session.get(urls["book_when"], params={"date": race["day"]}, timeout=60)
    csrf = _form_field(_CSRF, when, "the CSRF token")
    expect_redirect(session.post(urls["book_when"], data={"csrfmiddlewaretoken": csrf, "start": race["start"],
                                                          "date": race["day"]}, allow_redirects=False, timeout=60),
                    race["urls"]["book_payment"])
    payment = session.get(urls["book_payment"], timeout=60)
    csrf = _form_field(_CSRF, payment, "the CSRF token")
    expect_redirect(session.post(urls["book_payment"], data={"csrfmiddlewaretoken": csrf, "method": "self"},
                                 allow_redirects=False, timeout=60), race["urls"]["book_confirm"])
    confirm = session.get(urls["book_confirm"], timeout=60)
    return _form_field(_CSRF, confirm, "the CSRF token"), _form_field(_TOKEN, confirm, "the confirm token")


def booking_race(state: dict, clients: int = 50) -> dict:
    """The booking race (see the module's doc) on the running cluster; its figures."""
    race = _django(state, RACE_SETUP.replace("CLIENTS", str(clients)))
    bases = [f"http://127.0.0.1:{port}" for port in state["app_ports"]]
    barrier = threading.Barrier(clients, timeout=600)
    answers: list[tuple[str, int, str]] = []
    errors: list[str] = []
    lock = threading.Lock()

    def client(n: int) -> None:
        base = bases[n % len(bases)]
        session = requests.Session()
        session.cookies.set(race["cookie"], race["sessions"][n], domain="127.0.0.1")
        try:
            csrf, token = _to_confirm(base, session, race)
        except Exception as exc:  # noqa: BLE001 - reported, and the others must not wait for it
            with lock:
                errors.append(f"client {n} before the confirm: {exc}")
            barrier.abort()
            return
        try:
            barrier.wait()
        except threading.BrokenBarrierError:
            return
        try:
            response = session.post(base + race["urls"]["book_confirm"], allow_redirects=False, timeout=120,
                                    data={"csrfmiddlewaretoken": csrf, "token": token})
        except requests.RequestException as exc:
            with lock:
                errors.append(f"client {n} confirm: {exc!r}")
            return
        location = response.headers.get("Location", "")
        if re.search(race["booked_url"], location):
            outcome = "booked"
        elif race["urls"]["book_when"] in location:
            outcome = "slot taken (back to the times)"
        else:
            outcome = location or "no redirect"
        with lock:
            answers.append((base, response.status_code, outcome))

    started = time.perf_counter()
    threads = [threading.Thread(target=client, args=(n,)) for n in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - started
    count_code = RACE_COUNT.replace("TAG", race["tag"]).replace("ROOM", str(race["room"]))
    for name in ("START", "END", "SCAN"):
        count_code = count_code.replace(name, repr(race[name.lower()]))
    counted = _django(state, count_code)
    by_status = collections.Counter(f"{status} {outcome}" for _, status, outcome in answers)
    by_server = collections.Counter(base.rsplit(":", 1)[1] for base, _, _ in answers)
    return {"clients": clients, "slot": race["start"], "scan": race["scan"], **counted,
            "answers": dict(sorted(by_status.items())), "by_server_port": dict(by_server),
            "server_errors": sum(status >= 500 for _, status, _ in answers), "client_errors": errors,
            "seconds": round(elapsed, 1)}


def measure(url: str, n: int, concurrency: int, cookies: dict | None = None) -> tuple[float, int]:
    session_per_thread: dict[int, requests.Session] = {}

    def one(_):
        import threading

        s = session_per_thread.setdefault(threading.get_ident(), requests.Session())
        return s.get(url, cookies=cookies, timeout=60, allow_redirects=False).status_code

    with ThreadPoolExecutor(concurrency) as pool:
        list(pool.map(one, range(concurrency)))  # warm-up
        start = time.perf_counter()
        codes = list(pool.map(one, range(n)))
        elapsed = time.perf_counter() - start
    return n / elapsed, sum(code != 200 for code in codes)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=400)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--race-clients", type=int, default=50)
    parser.add_argument("--race-only", action="store_true", help="only the booking race")
    args = parser.parse_args()
    state = bin_cluster.load_state()
    if not state:
        print("start the cluster first: .venv/bin/python bin/cluster start", file=sys.stderr)
        return 1
    if args.race_clients < 2:
        print("--race-clients: at least 2 (a race needs two)", file=sys.stderr)
        return 2
    race = booking_race(state, args.race_clients)
    print(f"booking race: {race['clients']} clients on one slot ({race['scan']} at {race['slot']}), half on each "
          f"app server {race['by_server_port']}, {race['seconds']} s")
    print(f"  bookings made for the slot: {race['for_the_slot']} (must be 1); in that room at that time "
          f"{race['in_the_room_at_that_time']}")
    print(f"  answers: {race['answers']}")
    print(f"  server errors: {race['server_errors']} (must be 0); clients that failed: {len(race['client_errors'])}")
    for error in race["client_errors"][:5]:
        print("   ", error)
    if args.race_only:
        print("load average (1, 5, 15 min):", " ".join(f"{x:.2f}" for x in os.getloadavg()),
              f"on {os.cpu_count()} cores")
        return 0 if race["for_the_slot"] == 1 and race["server_errors"] == 0 and not race["client_errors"] else 1
    out = subprocess.run([bin_cluster.PY, "manage.py", "shell", "-c", SESSION_CODE], cwd=ROOT,
                         env=bin_cluster.app_env(state), capture_output=True, text=True, check=True)
    name, key = out.stdout.strip().splitlines()[-1].split()
    nginx = f"http://127.0.0.1:{state['nginx_port']}"
    one = f"http://127.0.0.1:{state['app_ports'][0]}"
    for label, path, cookies in [("anonymous home page", "/", None),
                                 ("signed-in appointment list", "/appointments/list/", {name: key})]:
        direct, direct_bad = measure(one + path, args.requests, args.concurrency, cookies)
        balanced, balanced_bad = measure(nginx + path, args.requests, args.concurrency, cookies)
        print(f"{label:28} one server {direct:7.1f} req/s ({direct_bad} not 200)   nginx+2 {balanced:7.1f} req/s "
              f"({balanced_bad} not 200)   ratio {balanced / direct:.2f}")
    print("load average (1, 5, 15 min):", " ".join(f"{x:.2f}" for x in os.getloadavg()), f"on {os.cpu_count()} cores")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""The app API's appointment list against a bare Django view, same server, same run.

    .venv/bin/python bench/api.py [--seconds 2] [--rounds 5] [--clients 8]

Builds a throwaway SQLite database, signs two patients in through allauth's app API (one with 10
appointments, one with 1,000), counts the database queries of one `GET /api/v1/appointments` for
each (in-process, CaptureQueriesContext: they must be equal), then serves the app with gunicorn
(DEBUG off) and measures requests/s with the token in interleaved rounds against the bare Django
view behind the full middleware (bench/hello_urls.py). Prints ratio = API / reference (median of
per-round ratios) and the load average beside it. Last line: one JSON object.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import PY, ROOT, bench_env, gunicorn, manage, throughput

LIST, REFERENCE = "/api/v1/appointments", "/bench/hello/"

SETUP = r"""
import datetime as dt, json
from decimal import Decimal
import django
django.setup()
from django.contrib.auth.models import Group
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from allauth.account.models import EmailAddress
from portal.accounts.models import User
from portal.accounts.roles import Role
from portal.booking.models import Appointment, Room
from portal.catalogue.models import ScanType

scan = ScanType.objects.create(code="bench-xr", name="Bench X-ray", modality="XR", duration_minutes=15,
                               price=Decimal("100.00"), live=True)
room = Room.objects.create(name="Bench room", modality="XR")
patients = Group.objects.get(name=Role.PATIENT)
result = {"tokens": {}, "queries": {}}
base = timezone.now() - dt.timedelta(days=400)
offset = 0
for n in (10, 1000):
    user = User.objects.create_user(f"api{n}@example.test", "x-bench-password-1", first_name="Bench", last_name=str(n))
    user.groups.add(patients)
    EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
    rows = []
    for i in range(n):
        start = base + dt.timedelta(minutes=15 * (offset + i))
        rows.append(Appointment(patient=user, scan_type=scan, room=room, start=start,
                                end=start + dt.timedelta(minutes=15), status="completed", requested_at=start,
                                completed_at=start, price=Decimal("100.00"), patient_amount=Decimal("100.00")))
    offset += n
    Appointment.objects.bulk_create(rows)
    client = Client(HTTP_HOST="127.0.0.1")
    login = client.post("/_allauth/app/v1/auth/login", {"email": user.email, "password": "x-bench-password-1"},
                        content_type="application/json")
    assert login.status_code == 200, login.content
    token = login.json()["meta"]["session_token"]
    client.get("/api/v1/appointments", HTTP_X_SESSION_TOKEN=token)  # first use: session bookkeeping
    with CaptureQueriesContext(connection) as ctx:
        response = client.get("/api/v1/appointments", HTTP_X_SESSION_TOKEN=token)
    assert response.status_code == 200, response.content
    assert response.json()["count"] == n
    result["tokens"][str(n)] = token
    result["queries"][str(n)] = len(ctx.captured_queries)
print(json.dumps(result))
"""


def api_env(tmp: str) -> dict[str, str]:
    env = bench_env(
        DATABASE_URL=f"sqlite:///{tmp}/bench.sqlite3",
        DJANGO_MEDIA_ROOT=f"{tmp}/media",
        DJANGO_PRIVATE_MEDIA_ROOT=f"{tmp}/private",
        DJANGO_SETTINGS_MODULE="config.settings",
        DJANGO_ROOT_URLCONF="bench.hello_urls",
        DJANGO_EXTRA_PUBLIC_URL_NAMES="bench_hello",
        DJANGO_FAST_PASSWORD_HASHER="1",  # noqa: S106 - a switch, not a password
        # A token lasts the idle timeout after its last use; plenty for the run.
        DJANGO_SESSION_IDLE_MINUTES="60",
        PYTHONPATH=str(ROOT),
    )
    env.pop("REDIS_URL", None)
    return env


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=2.0, help="per target and round")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=4)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        env = api_env(tmp)
        print("preparing a throwaway SQLite database...", flush=True)
        manage("migrate", "--noinput", env=env)
        out = subprocess.run([PY, "-c", SETUP], cwd=ROOT, env=env, check=True, capture_output=True, text=True).stdout
        setup = json.loads(out.strip().splitlines()[-1])
        queries = setup["queries"]
        print(f"queries per GET {LIST}: {queries['10']} at 10 appointments, {queries['1000']} at 1,000")
        headers = {"X-Session-Token": setup["tokens"]["1000"]}
        with gunicorn("config.wsgi:application", env=env, workers=args.workers, threads=args.threads) as port:
            rates: dict[str, list[float]] = {REFERENCE: [], LIST: []}
            failures = 0
            for _ in range(args.rounds):
                for path in (REFERENCE, LIST):
                    rate, errors = throughput(port, path, clients=args.clients, seconds=args.seconds,
                                              headers=headers if path == LIST else None)
                    rates[path].append(rate)
                    failures += errors
                print("round: " + ", ".join(f"{p} {v[-1]:.0f}/s" for p, v in rates.items()), flush=True)

    load = os.getloadavg()
    median = {path: statistics.median(values) for path, values in rates.items()}
    ratio = statistics.median(a / r for a, r in zip(rates[LIST], rates[REFERENCE], strict=True))
    print(f"medians of {args.rounds} interleaved rounds of {args.seconds:g} s, {args.clients} client threads, "
          f"gunicorn {args.workers} workers x {args.threads} threads, SQLite; load average {load[0]:.2f}")
    print(f"bare Django view, full middleware (reference): {median[REFERENCE]:8.1f} req/s")
    print(f"GET {LIST} with a token (1,000 appointments, page of 20): {median[LIST]:8.1f} req/s  ratio {ratio:.2f}")
    print(f"failed requests: {failures}; queries equal at 10 and 1,000: {queries['10'] == queries['1000']}")
    print(json.dumps({
        "api_list_rps": round(median[LIST], 1),
        "reference_rps": round(median[REFERENCE], 1),
        "ratio": round(ratio, 3),
        "queries_10": queries["10"],
        "queries_1000": queries["1000"],
        "queries_equal": queries["10"] == queries["1000"],
        "failed_requests": failures,
        "load_average_1m": round(load[0], 2),
    }))


if __name__ == "__main__":
    main()

"""Throughput of the signed-in portal pages against a bare Django view, same server, same run.

    .venv/bin/python bench/portal_pages.py [--seconds 2] [--rounds 5] [--clients 8] [--database sqlite|postgres]
                                             [--conn-max-age SECONDS]

Builds a throwaway database with the demo data (SQLite file under a temporary directory, or a
PostgreSQL database portal_bench_pages on 127.0.0.1:5432, created and dropped here), serves the app
with gunicorn (2 workers x 4 threads, DEBUG off) on loopback and measures requests/s with keep-alive
client threads (http.client) in interleaved rounds of:
  - the reference: a bare Django view behind the product's full middleware (bench/hello_urls.py),
    anonymous; the same view with the patient's session cookie is printed beside it,
  - the login page (anonymous), the patient's appointment list, dashboard, reports and one report,
    and the manager's analytics dashboard (signed-in session cookies made in the throwaway database).
Each ratio is the median over rounds of page / reference measured right next to it; beside it the same
ratio by the server's CPU time per request (gunicorn's processes, from /proc), which other work on
a shared machine disturbs less than requests/s.
Query counts and writes (INSERT/UPDATE/DELETE statements) are of one warm request of each page
through the test client in a separate process, the second request of a session within a minute.
Prints the load average beside the figures. Last line: one JSON object
{"appointments_ratio", "dashboard_ratio", "reports_ratio", "report_view_ratio", "login_ratio",
 "analytics_ratio", "writes_per_request", ...}.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import PY, ROOT, bench_env, gunicorn, manage

REFERENCE = "/bench/hello/"
PG_ADMIN_URL = "postgres://postgres@127.0.0.1:5432/postgres"
PG_DB = "portal_bench_pages"

# Made in the throwaway database: session keys for the demo patient and manager, the path of one of
# the patient's reports, and per page the queries and writes of a warm request.
PREPARE = r"""
import json, django
django.setup()
from django.conf import settings
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from portal.accounts.models import User
from portal.reports.models import Report

patient = User.objects.get(email="patient@demo.test")
manager = User.objects.get(email="manager@demo.test")
report = Report.objects.filter(appointment__patient=patient).order_by("pk").first()
assert report is not None, "the demo patient has no report"
pages = {
    "login": (None, reverse("login")),
    "appointments": (patient, reverse("booking:list")),
    "dashboard": (patient, reverse("accounts:dashboard")),
    "reports": (patient, reverse("reports:mine")),
    "report_view": (patient, reverse("reports:view", args=[report.pk])),
    "analytics": (manager, reverse("analytics:dashboard")),
}
counts = {}
for name, (user, path) in pages.items():
    client = Client(HTTP_HOST="127.0.0.1")
    if user is not None:
        client.force_login(user)
    first = client.get(path)  # the session's first request: it sets the idle expiry, tracks activity
    assert first.status_code == 200, (path, first.status_code)
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(path)
    assert response.status_code == 200, (path, response.status_code)
    sql = [q["sql"].lstrip().split(None, 1)[0].upper() for q in ctx.captured_queries]
    counts[name] = {"queries": len(sql), "writes": sum(s in ("INSERT", "UPDATE", "DELETE") for s in sql)}

def session_key(user):
    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(user)
    return client.cookies[settings.SESSION_COOKIE_NAME].value

print(json.dumps({"paths": {name: path for name, (user, path) in pages.items()},
                  "users": {name: (None if user is None else ("patient" if user == patient else "manager"))
                            for name, (user, path) in pages.items()},
                  "sessions": {"patient": session_key(patient), "manager": session_key(manager)},
                  "counts": counts, "cookie": settings.SESSION_COOKIE_NAME}))
"""


def load() -> str:
    one, five, fifteen = os.getloadavg()
    return f"load average {one:.2f} {five:.2f} {fifteen:.2f} on {os.cpu_count()} cores"


_TICK = os.sysconf("SC_CLK_TCK")


def server_cpu(port: int) -> float:
    """CPU seconds (user + system) used so far by the gunicorn master and workers serving `port`."""
    total = 0.0
    marker = f"127.0.0.1:{port}".encode()
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            with open(f"/proc/{entry.name}/cmdline", "rb") as handle:
                if marker not in handle.read():
                    continue
            with open(f"/proc/{entry.name}/stat") as handle:
                fields = handle.read().rsplit(")", 1)[1].split()
        except OSError:  # gone meanwhile
            continue
        total += (int(fields[11]) + int(fields[12])) / _TICK  # utime, stime
    return total


def throughput(port: int, path: str, headers: dict[str, str], *, clients: int,
               seconds: float) -> tuple[float, int, float]:
    """Requests per second that `clients` keep-alive connections get from GET `path`; failures; and the
    server's CPU milliseconds per request (less sensitive than requests/s to other work on the machine)."""
    for _ in range(4 * clients):  # every worker thread warm (a busy machine may drop one: go on)
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        try:
            conn.request("GET", path, headers=headers)
            conn.getresponse().read()
        except (OSError, http.client.HTTPException):
            time.sleep(0.2)
        finally:
            conn.close()
    stop = time.monotonic() + seconds
    counts, errors = [0] * clients, [0] * clients

    def worker(index: int) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        while time.monotonic() < stop:
            try:
                conn.request("GET", path, headers=headers)
                response = conn.getresponse()
                response.read()
                if response.status == 200:
                    counts[index] += 1
                else:
                    errors[index] += 1
            except (OSError, http.client.HTTPException):
                errors[index] += 1
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        conn.close()

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(clients)]
    cpu_before = server_cpu(port)
    started = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.monotonic() - started
    cpu = server_cpu(port) - cpu_before
    done = sum(counts) + sum(errors)
    return sum(counts) / elapsed, sum(errors), (1000 * cpu / done if done else float("nan"))


def _pg_admin(sql: str) -> None:
    import psycopg

    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
        conn.execute(sql)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=2.0, help="per target and round")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--database", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--conn-max-age", type=int, default=None,
                        help="DJANGO_CONN_MAX_AGE for the server (default: the product's, 60 s; 0 = a new "
                             "database connection per request, as when the issue was measured)")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        if args.database == "postgres":
            _pg_admin(f"DROP DATABASE IF EXISTS {PG_DB}")
            _pg_admin(f"CREATE DATABASE {PG_DB}")
            database_url = f"postgres://postgres@127.0.0.1:5432/{PG_DB}"
        else:
            database_url = f"sqlite:///{tmp}/bench.sqlite3"
        env = bench_env(
            DATABASE_URL=database_url,
            DJANGO_MEDIA_ROOT=f"{tmp}/media",
            DJANGO_PRIVATE_MEDIA_ROOT=f"{tmp}/private",
            DJANGO_SETTINGS_MODULE="config.settings",
            DJANGO_ROOT_URLCONF="bench.hello_urls",
            DJANGO_EXTRA_PUBLIC_URL_NAMES="bench_hello",
            PYTHONPATH=str(ROOT),
        )
        env.pop("REDIS_URL", None)
        if args.conn_max_age is not None:
            env["DJANGO_CONN_MAX_AGE"] = str(args.conn_max_age)
        conn_max_age = "the default (60 s)" if args.conn_max_age is None else f"{args.conn_max_age} s"
        try:
            print(f"preparing a throwaway {args.database} database with the demo...", flush=True)
            manage("migrate", "--noinput", env=env)
            manage("seed_demo", env=env)
            prepared = json.loads(subprocess.run([PY, "-c", PREPARE], cwd=ROOT, env=env, check=True,
                                                 capture_output=True, text=True).stdout.strip().splitlines()[-1])
            cookie = prepared["cookie"]
            headers = {
                None: {},
                "patient": {"Cookie": f"{cookie}={prepared['sessions']['patient']}"},
                "manager": {"Cookie": f"{cookie}={prepared['sessions']['manager']}"},
            }
            targets = {name: (path, headers[prepared["users"][name]]) for name, path in prepared["paths"].items()}
            # the reference is anonymous, as in the issue; the signed-in hello shows what the session costs
            targets = {"hello": (REFERENCE, headers[None]), "hello_signed_in": (REFERENCE, headers["patient"]),
                       **targets}
            rates: dict[str, list[float]] = {name: [] for name in targets}
            cpu_ms: dict[str, list[float]] = {name: [] for name in targets}
            loads: list[str] = []
            failures = 0
            with gunicorn("config.wsgi:application", env=env, workers=args.workers, threads=args.threads) as port:
                print(f"serving on port {port}; {load()}", flush=True)
                # interleaved rounds, so a noisy neighbour on the machine hits every target alike
                for number in range(args.rounds):
                    for name, (path, head) in targets.items():
                        rate, errors, cpu = throughput(port, path, head, clients=args.clients, seconds=args.seconds)
                        rates[name].append(rate)
                        cpu_ms[name].append(cpu)
                        failures += errors
                    loads.append(load())
                    print(f"round {number + 1}: " + ", ".join(f"{n} {v[-1]:.0f}/s" for n, v in rates.items())
                          + f"; {loads[-1]}", flush=True)
        finally:
            if args.database == "postgres":
                _pg_admin(f"DROP DATABASE IF EXISTS {PG_DB}")

    ratios = {name: statistics.median(p / r for p, r in zip(rates[name], rates["hello"], strict=True))
              for name in targets if name != "hello"}
    # The same ratio by the server's CPU time per request (hello's over the page's), median over rounds.
    cpu_ratios = {name: statistics.median(h / p for p, h in zip(cpu_ms[name], cpu_ms["hello"], strict=True))
                  for name in targets if name != "hello"}
    counts = prepared["counts"]
    print(f"\n{args.database}: medians of {args.rounds} interleaved rounds of {args.seconds:g} s, "
          f"{args.clients} client threads, gunicorn {args.workers} workers x {args.threads} threads, "
          f"database connections kept for {conn_max_age}")
    print(f"taken under load: {loads[0]} (first round) .. {loads[-1]} (last round)")
    print("| page | req/s | ratio to hello | server CPU ms/request | ratio by CPU | queries | writes per request |")
    print("|---|---|---|---|---|---|---|")
    print(f"| hello view, full middleware, anonymous (reference) | {statistics.median(rates['hello']):.0f} "
          f"| 1 | {statistics.median(cpu_ms['hello']):.1f} | 1 | - | - |")
    print(f"| hello view, signed in (patient) | {statistics.median(rates['hello_signed_in']):.0f} "
          f"| {ratios['hello_signed_in']:.3f} | {statistics.median(cpu_ms['hello_signed_in']):.1f} "
          f"| {cpu_ratios['hello_signed_in']:.3f} | - | - |")
    for name, (path, _) in targets.items():
        if name in ("hello", "hello_signed_in"):
            continue
        who = prepared["users"][name] or "anonymous"
        print(f"| {who} {path} | {statistics.median(rates[name]):.0f} | {ratios[name]:.3f} "
              f"| {statistics.median(cpu_ms[name]):.1f} | {cpu_ratios[name]:.3f} "
              f"| {counts[name]['queries']} | {counts[name]['writes']} |")
    print("per-round ratios (min..max): " + ", ".join(
        f"{name} {min(p / r for p, r in zip(rates[name], rates['hello'], strict=True)):.2f}.."
        f"{max(p / r for p, r in zip(rates[name], rates['hello'], strict=True)):.2f}"
        for name in targets if name != "hello"))
    print(f"failed requests: {failures}; goals: signed-in pages >= 0.25, login >= 0.3")
    signed_in = [name for name in counts if prepared["users"][name] is not None]
    print(json.dumps({
        "database": args.database,
        "conn_max_age": 60 if args.conn_max_age is None else args.conn_max_age,
        "appointments_ratio": round(ratios["appointments"], 3),
        "dashboard_ratio": round(ratios["dashboard"], 3),
        "reports_ratio": round(ratios["reports"], 3),
        "report_view_ratio": round(ratios["report_view"], 3),
        "login_ratio": round(ratios["login"], 3),
        "analytics_ratio": round(ratios["analytics"], 3),
        "hello_signed_in_ratio": round(ratios["hello_signed_in"], 3),
        "writes_per_request": max(counts[name]["writes"] for name in signed_in),
        "cpu_ratios": {name: round(value, 3) for name, value in cpu_ratios.items()},
        "queries": {name: c["queries"] for name, c in counts.items()},
        "load_average": [round(x, 2) for x in os.getloadavg()],
    }))


if __name__ == "__main__":
    main()

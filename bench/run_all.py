"""Run every benchmark in one go and print one table of figures and ratios.

    .venv/bin/python bench/run_all.py [--seconds 5] [--analytics-appointments 100000] [--only NAME ...]

Serves the app with gunicorn on loopback against a throwaway SQLite database with the demo data,
measures two references in the same run (a bare WSGI hello app, and a Django hello view behind the
product's full middleware) and the app's own pages against them, then runs the other benchmark
scripts in bench/ and collects the JSON object each prints on its last line.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import PY, ROOT, bench_env, gunicorn, manage, throughput

OTHER_BENCHES = {
    "public_pages": ["bench/public_pages.py"],
    "booking": ["bench/booking.py"],
    "reports": ["bench/reports.py"],
    "reminders": ["bench/reminders.py"],
    "analytics": ["bench/analytics.py", "--appointments", "{analytics_appointments}"],
}


def serve_and_measure(seconds: float) -> list[tuple[str, float, str]]:
    rows: list[tuple[str, float, str]] = []
    with tempfile.TemporaryDirectory() as tmp:
        env = bench_env(DATABASE_URL=f"sqlite:///{tmp}/bench.sqlite3", DJANGO_PRIVATE_MEDIA_ROOT=f"{tmp}/private",
                        DJANGO_MEDIA_ROOT=f"{tmp}/media")
        print("preparing a throwaway database with the demo data...", flush=True)
        manage("migrate", "--noinput", env=env)
        manage("seed_demo", env=env)
        with gunicorn("bench.hello_wsgi:application", env=env) as port:
            bare, _ = throughput(port, "/", seconds=seconds)
        rows.append(("bare WSGI hello (reference 1)", bare, "req/s"))
        django_env = {**env, "DJANGO_ROOT_URLCONF": "bench.hello_urls", "DJANGO_EXTRA_PUBLIC_URL_NAMES": "bench_hello"}
        with gunicorn("config.wsgi:application", env=django_env) as port:
            hello, _ = throughput(port, "/bench/hello/", seconds=seconds)
            rows.append(("Django hello, full middleware (reference 2)", hello, "req/s"))
            for label, path in [("home page (anonymous)", "/"), ("login page", "/login/"), ("healthz", "/healthz")]:
                rate, errors = throughput(port, path, seconds=seconds)
                rows.append((label, rate, f"req/s, {rate / hello:.2f}x ref 2, {errors} errors"))
    rows.insert(2, ("reference 2 / reference 1", hello / bare, "ratio"))
    return rows


def run_other(name: str, argv: list[str]) -> tuple[str, str]:
    script = ROOT / argv[0]
    if not script.exists():
        return name, "not present"
    env = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}
    result = subprocess.run([PY, *argv], cwd=ROOT, env=env, capture_output=True, text=True, check=False)
    lines = [line for line in result.stdout.strip().splitlines() if line.strip()]
    if result.returncode != 0 or not lines:
        return name, f"FAILED (exit {result.returncode}): {(result.stderr or result.stdout).strip()[-300:]}"
    try:
        return name, json.dumps(json.loads(lines[-1]))
    except json.JSONDecodeError:
        return name, f"no JSON on the last line: {lines[-1][:200]}"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=5.0, help="seconds per throughput measurement")
    parser.add_argument("--analytics-appointments", type=int, default=100_000)
    parser.add_argument("--only", nargs="*", help="run only these (server, " + ", ".join(OTHER_BENCHES) + ")")
    args = parser.parse_args()
    wanted = set(args.only or ["server", *OTHER_BENCHES])

    table: list[tuple[str, str]] = []
    if "server" in wanted:
        for label, value, unit in serve_and_measure(args.seconds):
            table.append((label, f"{value:,.2f} {unit}"))
    for name, argv in OTHER_BENCHES.items():
        if name in wanted:
            print(f"running bench/{name}...", flush=True)
            argv = [a.format(analytics_appointments=args.analytics_appointments) for a in argv]
            table.append((f"bench/{name}", run_other(name, argv)[1]))

    width = max(len(label) for label, _ in table)
    print()
    print(f"{'figure':<{width}}  value")
    print(f"{'-' * width}  {'-' * 40}")
    for label, value in table:
        print(f"{label:<{width}}  {value}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

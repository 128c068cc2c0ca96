"""Throughput of the public site for anonymous visitors, against a bare Django view, same server, same run.

    .venv/bin/python bench/public_pages.py [--seconds 5] [--clients 8]

Builds a throwaway SQLite database with the demo data, serves the app with gunicorn on loopback with
DEBUG off, and measures requests/s (keep-alive client threads, http.client) in interleaved rounds of:
  - a bare Django view behind the product's full middleware (the reference; bench/hello_urls.py),
  - the home page and a scan type page (anonymous visitors: served from the page cache after the first hit).
Prints ratio = page / reference (the median over rounds of each round's ratio; goal >= 0.8 for cached
pages) and the database queries of one uncached render of each page (counted in-process with
CaptureQueriesContext). Last line: one JSON object.
"""

from __future__ import annotations

import argparse
import http.client
import json
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import PY, ROOT, bench_env, gunicorn, manage, throughput

HOME, SCAN_PAGE, REFERENCE = "/", "/scans/mri-knee/", "/bench/hello/"


def page_env(tmp: str) -> dict[str, str]:
    """DEBUG off, a throwaway database, no Redis, and the bare reference view (bench/hello_urls.py)."""
    env = bench_env(
        DATABASE_URL=f"sqlite:///{tmp}/bench.sqlite3",
        DJANGO_MEDIA_ROOT=f"{tmp}/media",
        DJANGO_PRIVATE_MEDIA_ROOT=f"{tmp}/private",
        DJANGO_SETTINGS_MODULE="config.settings",
        DJANGO_ROOT_URLCONF="bench.hello_urls",
        DJANGO_EXTRA_PUBLIC_URL_NAMES="bench_hello",
        PYTHONPATH=str(ROOT),
    )
    env.pop("REDIS_URL", None)
    return env


def get(port: int, path: str) -> tuple[int, dict[str, str], bytes]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        conn.request("GET", path)
        response = conn.getresponse()
        return response.status, dict(response.getheaders()), response.read()
    finally:
        conn.close()


QUERY_COUNTER = """
import json, django
django.setup()
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
client = Client(HTTP_HOST="127.0.0.1")
result = {}
for path in %r:
    client.get(path)  # first render ever: fills Wagtail's site-root cache like a running server has
    cache.delete_pattern("*") if hasattr(cache, "delete_pattern") else None
    from cms.cache import clear_page_cache
    clear_page_cache()
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(path)
    assert response.status_code == 200, (path, response.status_code)
    assert response.get("X-Page-Cache") == "miss", (path, response.get("X-Page-Cache"))
    result[path] = len(ctx.captured_queries)
print(json.dumps(result))
"""


def count_queries(env: dict[str, str]) -> dict[str, int]:
    out = subprocess.run([PY, "-c", QUERY_COUNTER % ([HOME, SCAN_PAGE],)], cwd=ROOT, env=env, check=True,
                         capture_output=True, text=True).stdout
    return json.loads(out.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=2.0, help="per target and round")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=4)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        env = page_env(tmp)
        print("preparing a throwaway SQLite database with the demo site...", flush=True)
        manage("migrate", "--noinput", env=env)
        manage("seed_demo", env=env)
        queries = count_queries(env)
        print(f"queries per uncached render: home {queries[HOME]}, scan page {queries[SCAN_PAGE]}")

        with gunicorn("config.wsgi:application", env=env, workers=args.workers, threads=args.threads) as port:
            for path in (HOME, SCAN_PAGE):
                status, headers, _ = get(port, path)
                status, headers, _ = get(port, path)
                assert status == 200, (path, status)
                print(f"{path}: {status}, page cache {headers.get('X-Page-Cache', 'off')}")
            rates: dict[str, list[float]] = {HOME: [], SCAN_PAGE: [], REFERENCE: []}
            failures = 0
            # interleaved rounds, so a noisy neighbour on the machine hits every target alike
            for _ in range(args.rounds):
                for path in (REFERENCE, HOME, SCAN_PAGE):
                    rate, errors = throughput(port, path, clients=args.clients, seconds=args.seconds)
                    rates[path].append(rate)
                    failures += errors
                print("round: " + ", ".join(f"{path} {values[-1]:.0f}/s" for path, values in rates.items()
                                              if values), flush=True)

    mean = {path: statistics.median(values) for path, values in rates.items()}
    # each round's page rate against the reference measured right next to it, then the median
    home_ratio = statistics.median(h / r for h, r in zip(rates[HOME], rates[REFERENCE], strict=True))
    scan_ratio = statistics.median(s / r for s, r in zip(rates[SCAN_PAGE], rates[REFERENCE], strict=True))
    print(f"medians of {args.rounds} interleaved rounds of {args.seconds:g} s (ratio: median of per-round ratios), "
          f"{args.clients} client threads, "
          f"gunicorn {args.workers} workers x {args.threads} threads")
    print(f"bare Django view, full middleware (reference): {mean[REFERENCE]:8.1f} req/s")
    print(f"home page, anonymous (cached):                {mean[HOME]:8.1f} req/s  ratio {home_ratio:.2f}")
    print(f"scan type page, anonymous (cached):           {mean[SCAN_PAGE]:8.1f} req/s  ratio {scan_ratio:.2f}")
    print(f"failed requests: {failures}; goal: ratio >= 0.8 for cached pages")
    print(json.dumps({
        "home_ratio": round(home_ratio, 3),
        "scan_page_ratio": round(scan_ratio, 3),
        "queries_per_page": max(queries.values()),
    }))


if __name__ == "__main__":
    main()

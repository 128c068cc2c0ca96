"""Through nginx (two app servers) against one app server directly, on the running cluster (issue 20).

    .venv/bin/python bin/cluster start
    .venv/bin/python bench/cluster.py [--requests 400] [--concurrency 8]

The anonymous home page (the shared page cache answers it) and a signed-in patient's appointment list
(/appointments/list/, a fresh render every time; the session is made in the cluster's database for
the first patient of the demo). Prints requests/s for each, the ratio nginx / one server, and the load
average (2 shared cores: read the ratio, not the absolute figures). Not a test.
"""

from __future__ import annotations

import argparse
import importlib.machinery
import importlib.util
import os
import subprocess
import sys
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
store[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
store[HASH_SESSION_KEY] = user.get_session_auth_hash()
store.create()
print(settings.SESSION_COOKIE_NAME, store.session_key)
"""


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
    args = parser.parse_args()
    state = bin_cluster.load_state()
    if not state:
        print("start the cluster first: .venv/bin/python bin/cluster start", file=sys.stderr)
        return 1
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

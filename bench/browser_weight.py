"""What a signed-in page weighs in the browser: bytes transferred and first contentful paint.

    .venv/bin/python bench/browser_weight.py [--repeat 3]

Builds a throwaway SQLite database with the demo, collects the static files as production does
(whitenoise's compressed, hashed storage), serves the app with gunicorn (DEBUG off) and opens each
page in headless Chromium (Debian's, through Playwright) with a cold cache, the CPU throttled 4x
and the network at DevTools' "Fast 3G" (562.5 ms latency, 1.44 Mbit/s down, 675 kbit/s up), set
through Playwright's CDP session. Bytes are the encoded (on the wire) sizes of every response
(Network.loadingFinished); first contentful paint from the Paint Timing API. Goal for an analytics
page: <= 1.5 MB and first contentful paint < 2 s. Prints the load average beside the figures; the
last line is one JSON object.
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

from bench.common import PY, ROOT, bench_env, gunicorn, manage

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]
FAST_3G = {"offline": False, "latency": 562.5, "downloadThroughput": 180_000, "uploadThroughput": 84_375}

SESSIONS = r"""
import json, django
django.setup()
from django.conf import settings
from django.test import Client
from portal.accounts.models import User
keys = {}
for email in ("patient@demo.test", "manager@demo.test"):
    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(User.objects.get(email=email))
    keys[email.split("@")[0]] = client.cookies[settings.SESSION_COOKIE_NAME].value
print(json.dumps({"cookie": settings.SESSION_COOKIE_NAME, "keys": keys}))
"""

PAGES = [("analytics", "manager", "/analytics/dashboard/"), ("revenue", "manager", "/analytics/revenue/"),
         ("dashboard", "patient", "/dashboard/"), ("manager_dashboard", "manager", "/dashboard/")]


CHARTS_DRAWN = """() => [...document.querySelectorAll('script[data-bokeh-item]')].every(
    (block) => document.getElementById(JSON.parse(block.textContent).target_id).querySelector('.bk-Canvas')
        || document.getElementById(JSON.parse(block.textContent).target_id).children.length)"""


def load() -> str:
    one, five, fifteen = os.getloadavg()
    return f"load average {one:.2f} {five:.2f} {fifteen:.2f} on {os.cpu_count()} cores"


def measure(browser, port: int, cookie: dict, path: str) -> dict:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    context.add_cookies([{**cookie, "url": f"http://127.0.0.1:{port}/"}])
    page = context.new_page()
    cdp = context.new_cdp_session(page)
    cdp.send("Network.enable")
    cdp.send("Network.setCacheDisabled", {"cacheDisabled": True})
    cdp.send("Network.emulateNetworkConditions", FAST_3G)
    cdp.send("Emulation.setCPUThrottlingRate", {"rate": 4})
    sizes: dict[str, float] = {}
    urls: dict[str, str] = {}
    cdp.on("Network.responseReceived", lambda e: urls.__setitem__(e["requestId"], e["response"]["url"]))
    cdp.on("Network.loadingFinished", lambda e: sizes.__setitem__(e["requestId"], e["encodedDataLength"]))
    response = page.goto(f"http://127.0.0.1:{port}{path}", wait_until="load", timeout=120_000)
    assert response is not None and response.status == 200, (path, response and response.status)
    assert "/login/" not in page.url, "not signed in"
    # The charts are drawn after the first paint (BokehJS is fetched then): wait until every one is,
    # so its bytes count, and take that moment too.
    page.wait_for_function(CHARTS_DRAWN, timeout=120_000, polling=50)
    charts_ms = page.evaluate("() => performance.now()") if page.locator("script[data-bokeh-item]").count() else None
    page.wait_for_load_state("networkidle", timeout=120_000)
    page.wait_for_timeout(500)
    fcp = page.evaluate("() => (performance.getEntriesByName('first-contentful-paint')[0] || {}).startTime || null")
    load_ms = page.evaluate("() => performance.getEntriesByType('navigation')[0].loadEventEnd")
    # when the HTML's first byte came (the server's time plus one round trip), to tell it from the rest
    ttfb = page.evaluate("() => performance.getEntriesByType('navigation')[0].responseStart")
    biggest = sorted(((size, urls.get(rid, "?")) for rid, size in sizes.items()), reverse=True)[:4]
    context.close()
    return {"bytes": sum(sizes.values()), "requests": len(sizes), "fcp_ms": fcp, "load_ms": load_ms, "ttfb_ms": ttfb,
            "charts_ms": charts_ms,
            "biggest": [(int(s), u.split(str(port), 1)[-1]) for s, u in biggest]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    subprocess.run([str(ROOT / "bin" / "ensure-chromium")], check=True)  # Debian's, installed when missing

    with tempfile.TemporaryDirectory() as tmp:
        env = bench_env(
            DATABASE_URL=f"sqlite:///{tmp}/bench.sqlite3", DJANGO_MEDIA_ROOT=f"{tmp}/media",
            DJANGO_PRIVATE_MEDIA_ROOT=f"{tmp}/private", DJANGO_STATIC_ROOT=f"{tmp}/static",
            DJANGO_STATIC_MANIFEST="1", DJANGO_SETTINGS_MODULE="config.settings", PYTHONPATH=str(ROOT),
        )
        env.pop("REDIS_URL", None)
        print("preparing a throwaway SQLite database with the demo and collecting static files...", flush=True)
        manage("migrate", "--noinput", env=env)
        manage("seed_demo", env=env)
        manage("collectstatic", "--noinput", "-i", "lib", "-i", "*.d.ts", env=env)
        sessions = json.loads(subprocess.run([PY, "-c", SESSIONS], cwd=ROOT, env=env, check=True,
                                             capture_output=True, text=True).stdout.strip().splitlines()[-1])
        results: dict[str, list[dict]] = {name: [] for name, _, _ in PAGES}
        with gunicorn("config.wsgi:application", env=env) as port, sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
            try:
                for _ in range(args.repeat):
                    for name, who, path in PAGES:
                        cookie = {"name": sessions["cookie"], "value": sessions["keys"][who]}
                        results[name].append(measure(browser, port, cookie, path))
                    print(f"round done; {load()}", flush=True)
            finally:
                browser.close()

    print(f"\nheadless Chromium, cold cache, CPU 4x slower, Fast 3G; median of {args.repeat}; "
          f"taken under load: {load()}")
    summary = {}
    for name, who, path in PAGES:
        runs = results[name]
        size = statistics.median(r["bytes"] for r in runs)
        fcps = [r["fcp_ms"] for r in runs if r["fcp_ms"] is not None]
        fcp = statistics.median(fcps) if fcps else None
        loaded = statistics.median(r["load_ms"] for r in runs)
        ttfb = statistics.median(r["ttfb_ms"] for r in runs)
        drawn = [r["charts_ms"] for r in runs if r["charts_ms"] is not None]
        charts = statistics.median(drawn) if drawn else None
        summary[name] = {"bytes": int(size), "fcp_ms": None if fcp is None else round(fcp), "load_ms": round(loaded),
                         "ttfb_ms": round(ttfb),
                         "charts_drawn_ms": None if charts is None else round(charts)}
        print(f"{who} {path}: {size / 1e6:.3f} MB in {runs[0]['requests']} responses, first contentful paint "
              f"{'-' if fcp is None else f'{fcp / 1000:.2f} s'} (HTML's first byte {ttfb / 1000:.2f} s), "
              f"load {loaded / 1000:.2f} s"
              + ("" if charts is None else f", charts drawn {charts / 1000:.2f} s") + "; biggest: "
              + ", ".join(f"{u} {s / 1000:.0f} kB" for s, u in runs[0]["biggest"]))
    print("goal for an analytics page: <= 1.5 MB and first contentful paint < 2 s")
    print(json.dumps({"analytics_bytes": summary["analytics"]["bytes"],
                      "analytics_fcp_ms": summary["analytics"]["fcp_ms"], "pages": summary,
                      "load_average": [round(x, 2) for x in os.getloadavg()]}))


if __name__ == "__main__":
    main()

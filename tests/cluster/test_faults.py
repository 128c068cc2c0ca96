"""Fault drill on the running cluster (issue 20): an app server killed under load, workers stopped
with tasks queued, one app server pointed at a dead Redis. Nothing is lost; failures are reported.

Each test prints its figures (requests tried/failed, tasks queued/run) for docs/cluster.md."""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import signal
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import requests

from .conftest import bin_cluster, wait_for


def _kill_group(pid: int) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(pid, signal.SIGKILL)  # the gunicorn master and its workers (own session, see bin/cluster)


def _last_json(stdout: str):
    return json.loads(stdout.strip().splitlines()[-1])  # log lines may come first


def test_killing_one_app_server_under_load_fails_no_request_through_nginx(cluster):
    tried, failed, by_server = 0, [], {}
    lock = threading.Lock()
    killed = threading.Event()

    def hit(i):
        nonlocal tried
        path = "/" if i % 2 else "/healthz"
        try:
            response = requests.get(cluster.url + path, timeout=30)
            ok = response.status_code == 200
            upstream = response.headers.get("X-Upstream", "?")
        except requests.RequestException as exc:
            ok, upstream = False, repr(exc)
        with lock:
            tried += 1
            by_server[upstream] = by_server.get(upstream, 0) + 1
            if not ok:
                failed.append((i, killed.is_set(), upstream))

    victim = cluster.state["pids"]["app1"]
    with ThreadPoolExecutor(max_workers=8) as pool:
        futures = [pool.submit(hit, i) for i in range(300)]
        while tried < 60:
            time.sleep(0.05)
        _kill_group(victim)
        killed.set()
        for future in futures:
            future.result()
    print(f"\nkill one app server: {tried} requests tried, {len(failed)} failed, by upstream {by_server}")
    try:
        assert not bin_cluster.alive(victim)
        assert failed == []
    finally:  # back to two servers for the next tests
        cluster.state["pids"]["app1"] = bin_cluster.start_gunicorn(cluster.state, 0)
        cluster.save()
        assert bin_cluster.wait_http(cluster.app_urls[0] + "/healthz", 90)


def test_tasks_queued_while_the_workers_are_stopped_run_once_after_a_restart(cluster):
    # This was a strict xfail ("the tasks still ran with both qcluster PIDs stopped"). No worker ran
    # them: the `manage.py shell` that queued them inherited this pytest run's environment, where
    # tests/settings.py exports DJANGO_SETTINGS_MODULE=tests.settings and DJANGO_Q_SYNC=1, so
    # async_task ran each task inline. bin/cluster's app_env() no longer passes DJANGO_* through.
    for name in ("worker1", "worker2"):
        pid = cluster.state["pids"][name]
        bin_cluster.stop_pid(pid)  # SIGTERM: q2 finishes what it holds, then exits
        assert not bin_cluster.alive(pid)
    batch, count = f"drill-{secrets.token_hex(4)}", 20
    try:
        cluster.django(
            "from django_q.tasks import async_task\n"
            f"for i in range({count}):\n"
            f"    async_task('portal.core.health.heartbeat_record', name=f'{batch}-{{i}}',"
            f" task_name=f'{batch}-{{i}}')\n"
        )
        count_rows = (
            "from portal.core.health import Heartbeat\n"
            "from django_q.models import Task\n"
            "import json\n"
            f"tasks = Task.objects.filter(name__startswith='{batch}-')\n"
            f"print(json.dumps({{'rows': Heartbeat.objects.filter(name__startswith='{batch}-').count(),"
            " 'ok': tasks.filter(success=True).count(), 'failed': tasks.filter(success=False).count(),"
            " 'attempts': sorted(set(tasks.values_list('attempt_count', flat=True)))}))"
        )
        assert _last_json(cluster.django(count_rows))["rows"] == 0  # nothing ran while both were down
    finally:
        cluster.state["pids"]["worker1"] = bin_cluster.start_worker(cluster.state, 0)
        cluster.save()
        figures = wait_for(lambda: (f := _last_json(cluster.django(count_rows)))["rows"] == count and f, 120, 2)
        cluster.state["pids"]["worker2"] = bin_cluster.start_worker(cluster.state, 1)
        cluster.save()
    print(f"\nworkers stopped: {count} tasks queued, after restart {figures}")
    assert figures == {"rows": count, "ok": count, "failed": 0, "attempts": [1]}


def test_an_app_server_on_a_dead_redis_reports_the_cache_down_and_the_others_stay_healthy(cluster):
    dead_port = bin_cluster.free_port()
    env = cluster.env()
    env["REDIS_URL"] = f"redis://127.0.0.1:{dead_port}/{bin_cluster.REDIS_DB}"
    state = {**cluster.state, "app_ports": [bin_cluster.free_port()]}
    pid = bin_cluster.start_gunicorn(state, 0, env)
    cluster.state["pids"]["extra-dead-redis"] = pid
    cluster.save()
    try:
        url = f"http://127.0.0.1:{state['app_ports'][0]}/healthz"
        assert bin_cluster.wait_http(url, 90, any_status=True)
        broken = requests.get(url, timeout=30)
        healthy = [requests.get(u + "/healthz", timeout=30) for u in cluster.app_urls]
        print(f"\ndead Redis: {broken.status_code} {broken.text}; healthy servers {[r.status_code for r in healthy]}")
        assert broken.status_code == 503
        assert broken.json()["cache"] == "error" and broken.json()["database"] == "ok"
        assert [r.status_code for r in healthy] == [200, 200]
    finally:
        _kill_group(pid)
        cluster.state["pids"].pop("extra-dead-redis", None)
        cluster.save()

"""The running cluster for tests/cluster (issue 20): `make test-cluster`, skipped by `make test`.

Every test here that uses the `cluster` fixture carries the `cluster` mark. The session fixture reuses
a cluster already started by `bin/cluster start` (and leaves it running), or starts one and stops it at
the end (it runs its own PostgreSQL, Redis, Orthanc and DICOM worklist server: PostgreSQL 15's initdb,
redis-server and Orthanc must be installed, or a server given with CLUSTER_PG_PORT / CLUSTER_REDIS_PORT
must answer, else the tests are skipped).
"""

from __future__ import annotations

import importlib.machinery
import importlib.util
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests

# The cluster's servers and workers inherit this: the drills send SMS at any hour. With the product's
# quiet hours (21:00-07:00 in Harare) a drill run in the evening left every SMS "pending" until the
# morning and failed (CI at 22:00 Harare, 3 Dec).
os.environ.setdefault("NOTIFICATIONS_QUIET_HOURS", "off")

ROOT = Path(__file__).resolve().parents[2]


def _load_bin_cluster():
    loader = importlib.machinery.SourceFileLoader("bin_cluster", str(ROOT / "bin" / "cluster"))
    spec = importlib.util.spec_from_loader("bin_cluster", loader)
    module = importlib.util.module_from_spec(spec)
    loader.exec_module(module)
    return module


bin_cluster = _load_bin_cluster()


def pytest_collection_modifyitems(config, items):
    # the tests that need the running cluster; the others here (bin/cluster's own logic) run in `make test`
    for item in items:
        if "tests/cluster" in str(item.fspath) and "cluster" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.cluster)


class Cluster:
    def __init__(self):
        self.state = bin_cluster.load_state()
        self.url = f"http://127.0.0.1:{self.state['nginx_port']}"
        self.app_urls = [f"http://127.0.0.1:{port}" for port in self.state["app_ports"]]

    def save(self):
        bin_cluster.save_state(self.state)

    def env(self) -> dict:
        return bin_cluster.app_env(self.state)

    def django(self, code: str) -> str:
        """Run Python with the cluster's settings (its PostgreSQL database, its Redis); its stdout."""
        result = subprocess.run([bin_cluster.PY, "manage.py", "shell", "-c", code], cwd=ROOT, env=self.env(),
                                capture_output=True, text=True, timeout=120)
        assert result.returncode == 0, result.stderr[-2000:]
        return result.stdout.strip()

    def get_through_nginx(self, path: str, **kwargs) -> requests.Response:
        return requests.get(self.url + path, timeout=30, allow_redirects=False, **kwargs)


def _can_start() -> str | None:
    # (nginx and Orthanc are not asked for: `bin/cluster start` installs Debian's when missing)
    if bin_cluster.OWN_PG and not (bin_cluster.PG_BIN / "initdb").exists():
        return f"no {bin_cluster.PG_BIN}/initdb for the cluster's own PostgreSQL"
    if not bin_cluster.OWN_PG and not bin_cluster.port_answers(bin_cluster.PG_HOST, int(bin_cluster.PG_PORT)):
        return f"no PostgreSQL on {bin_cluster.PG_HOST}:{bin_cluster.PG_PORT}"
    if not bin_cluster.OWN_REDIS and not bin_cluster.port_answers(bin_cluster.REDIS_HOST, bin_cluster.REDIS_PORT):
        return f"no Redis on {bin_cluster.REDIS_HOST}:{bin_cluster.REDIS_PORT}"
    return None


@pytest.fixture(scope="session")
def cluster():
    state = bin_cluster.load_state()
    started_here = False
    if not (state and all(bin_cluster.alive(pid) for pid in state["pids"].values())):
        reason = _can_start()
        if reason:
            if os.environ.get("CLUSTER_REQUIRED") == "1":  # `make test-cluster`, CI: no silent skip
                pytest.fail(f"the cluster cannot start: {reason}")
            pytest.skip(reason)
        if state:
            subprocess.run([sys.executable, str(ROOT / "bin" / "cluster"), "stop"], check=False)
        subprocess.run([sys.executable, str(ROOT / "bin" / "cluster"), "start"], check=True, cwd=ROOT,
                       env={**os.environ, "PY": bin_cluster.PY})
        started_here = True
    yield Cluster()
    if started_here:
        subprocess.run([sys.executable, str(ROOT / "bin" / "cluster"), "stop"], check=False)


def wait_for(predicate, seconds: float = 60, step: float = 0.5):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(step)
    return predicate()


__all__ = ["Cluster", "bin_cluster", "json", "wait_for"]

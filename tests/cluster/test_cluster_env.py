"""bin/cluster's processes get the cluster's settings, never the test run's (no cluster needed: runs in
`make test`). A pytest process has DJANGO_SETTINGS_MODULE=tests.settings and DJANGO_Q_SYNC=1 in its
environment; passed on, they made a `manage.py shell` run every async_task inline, so the fault drill
saw tasks run "with both workers stopped" (the strict xfail this replaces)."""

from __future__ import annotations

import os

from .conftest import bin_cluster

STATE = {"database": "portal_cluster_test", "nginx_port": 8080, "app_ports": [8081, 8082], "pids": {}}


def test_the_test_runs_settings_are_not_passed_to_the_clusters_processes(monkeypatch):
    assert os.environ.get("DJANGO_Q_SYNC") == "1"  # what tests/settings.py exports in this process
    monkeypatch.setenv("DJANGO_SETTINGS_MODULE", "tests.settings")
    monkeypatch.setenv("DJANGO_SECRET_KEY", "from-the-shell")
    env = bin_cluster.app_env(STATE)
    assert "DJANGO_Q_SYNC" not in env
    assert "DJANGO_SETTINGS_MODULE" not in env  # manage.py, wsgi.py: config.settings
    assert "DJANGO_SECRET_KEY" not in env
    assert env["DJANGO_Q_NAME"] == "cluster-portal_cluster_test"
    assert env["DATABASE_URL"].endswith("/portal_cluster_test")
    assert env["DJANGO_DEBUG"] == "1"
    assert env["PATH"] == os.environ["PATH"]  # everything else is inherited


def test_a_setting_for_the_cluster_is_given_with_the_cluster_prefix(monkeypatch):
    monkeypatch.setenv("DJANGO_DEBUG", "1")
    monkeypatch.setenv("CLUSTER_DJANGO_DEBUG", "0")
    monkeypatch.setenv("CLUSTER_DJANGO_Q_WORKERS", "4")
    env = bin_cluster.app_env(STATE)
    assert env["DJANGO_DEBUG"] == "0"
    assert env["DJANGO_Q_WORKERS"] == "4"
    assert "CLUSTER_DJANGO_DEBUG" in env  # harmless; the settings never read it

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


def test_the_clusters_processes_get_its_own_orthanc_and_dicom_server_not_the_shells(monkeypatch):
    monkeypatch.setenv("PACS_URL", "http://pacs.elsewhere.test:8042")
    monkeypatch.setenv("PACS_PASSWORD", "from-the-shell")
    monkeypatch.setenv("DICOM_PORT", "104")
    before_orthanc = bin_cluster.app_env(STATE)  # migrate and seed run so: imaging off, no demo studies sent
    assert not any(key.startswith(("PACS_", "DICOM_")) for key in before_orthanc)
    pacs = {"PACS_URL": "http://127.0.0.1:18042", "PACS_USERNAME": "portal", "PACS_PASSWORD": "generated",
            "PACS_DICOM_HOST": "127.0.0.1", "PACS_DICOM_PORT": "14242", "PACS_AE_TITLE": "ORTHANC"}
    env = bin_cluster.app_env({**STATE, "pacs_env": pacs, "dicom_port": 11113})
    assert {key: env[key] for key in pacs} == pacs
    assert (env["DICOM_HOST"], env["DICOM_PORT"]) == ("127.0.0.1", "11113")

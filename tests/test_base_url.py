"""Links in emails and SMS point where `make run PORT=...` serves (issue 18.7)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_make_run_sets_the_base_url_to_the_port_it_serves():
    out = subprocess.run(["make", "-n", "run", "PORT=8311"], cwd=ROOT, capture_output=True, text=True,
                         check=True).stdout
    serve = next(line for line in out.splitlines() if "run-dev" in line)
    assert "WAGTAILADMIN_BASE_URL=${WAGTAILADMIN_BASE_URL:-http://127.0.0.1:8311}" in serve


def test_message_links_follow_the_one_base_url_setting():
    env = {k: v for k, v in os.environ.items() if k not in ("NOTIFICATIONS_PUBLIC_BASE_URL", "DJANGO_SETTINGS_MODULE")}
    env.update(WAGTAILADMIN_BASE_URL="http://127.0.0.1:8311", DJANGO_DEBUG="1")
    code = "from django.conf import settings; print(settings.NOTIFICATIONS_PUBLIC_BASE_URL)"
    out = subprocess.run([sys.executable, "manage.py", "shell", "-c", code], cwd=ROOT, env=env,
                         capture_output=True, text=True, check=True).stdout
    assert out.strip().splitlines()[-1] == "http://127.0.0.1:8311"

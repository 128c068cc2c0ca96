"""The version policy: a hashed lock file, direct imports pinned, no unused pins, current Bootstrap."""

from __future__ import annotations

import re
from pathlib import Path

from django.conf import settings
from django.contrib.staticfiles import finders

BASE = Path(settings.BASE_DIR)
BOOTSTRAP_VERSION = "5.3.9"  # the current 5.3 release (bin/update-bootstrap)


def _pins(path: Path) -> dict[str, str]:
    pins = {}
    for line in path.read_text().splitlines():
        match = re.match(r"^([A-Za-z0-9_.\-]+)(\[[^\]]+\])?==([^\s\\;]+)", line.strip())
        if match:
            pins[re.sub(r"[-_.]+", "-", match.group(1).lower())] = match.group(3)
    return pins


def test_every_requirement_is_in_the_lock_file_at_the_same_version_with_hashes():
    lock = BASE / "requirements.lock"
    text = lock.read_text()
    locked = _pins(lock)
    for name, version in _pins(BASE / "requirements.txt").items():
        assert locked.get(name) == version, name
    blocks = re.split(r"\n(?=[A-Za-z0-9])", text.split("\n", 1)[1])
    packages = [block for block in blocks if "==" in block.split("\n", 1)[0]]
    assert packages and all("--hash=sha256:" in block for block in packages)


def test_the_dev_lock_file_holds_the_product_and_the_tools_with_hashes():
    lock = _pins(BASE / "requirements-dev.lock")
    for name, version in {**_pins(BASE / "requirements.txt"), **_pins(BASE / "requirements-dev.txt")}.items():
        assert lock.get(name) == version, name
    assert "--hash=sha256:" in (BASE / "requirements-dev.lock").read_text()


def test_what_the_code_imports_directly_is_pinned():
    pins = _pins(BASE / "requirements.txt")
    assert {"numpy", "pillow", "django-modelcluster"} <= set(pins)


def test_no_unused_pins():
    pins = _pins(BASE / "requirements.txt")
    assert "croniter" not in pins  # no Schedule.CRON anywhere: q2 schedules are minutes/daily
    assert "django-bootstrap-static" not in pins  # stops at Bootstrap 5.3.3; ours is vendored
    sources = [p for folder in ("portal", "analytics", "cms", "config") for p in (BASE / folder).rglob("*.py")
               if p != Path(__file__)]
    assert not any("croniter" in p.read_text() or "Schedule.CRON" in p.read_text() for p in sources)


def test_the_served_bootstrap_is_the_current_5_3_release():
    for name in ("bootstrap/css/bootstrap.min.css", "bootstrap/js/bootstrap.bundle.min.js"):
        path = finders.find(name)
        assert path and Path(path).is_relative_to(BASE / "static"), name
        assert f"Bootstrap v{BOOTSTRAP_VERSION} " in Path(path).read_text()[:300].replace("  ", " "), name

"""A project-local Orthanc: its configuration file, written under var/ (for `make run`) or a
temporary folder (tests), and starting/stopping the Debian package's /usr/sbin/Orthanc by PID.

Listens on 127.0.0.1 only, with HTTP basic auth, and takes C-STORE only from the AE titles listed
(DicomAlwaysAllowStore off): an unlisted scanner's images are refused by Orthanc itself.
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

import requests

ORTHANC_BINARY = "/usr/sbin/Orthanc"
PLUGIN_DIRS = ["/usr/share/orthanc/plugins", "/usr/lib/orthanc/plugins"]


def binary() -> str | None:
    """The Orthanc executable, or None when the Debian package is not installed."""
    found = shutil.which("Orthanc") or (ORTHANC_BINARY if os.access(ORTHANC_BINARY, os.X_OK) else None)
    return found


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class LocalOrthanc:
    directory: Path
    http_port: int
    dicom_port: int
    username: str
    password: str
    ae_title: str = "ORTHANC"

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.http_port}"

    @property
    def config_path(self) -> Path:
        return self.directory / "orthanc.json"

    @property
    def pid_path(self) -> Path:
        return self.directory / "orthanc.pid"

    def env(self) -> dict[str, str]:
        """The portal's settings that point at this Orthanc."""
        return {"PACS_URL": self.url, "PACS_USERNAME": self.username, "PACS_PASSWORD": self.password,
                "PACS_DICOM_HOST": "127.0.0.1", "PACS_DICOM_PORT": str(self.dicom_port),
                "PACS_AE_TITLE": self.ae_title}


def plugins() -> list[str]:
    found = []
    for folder in PLUGIN_DIRS:
        candidate = Path(folder) / "libOrthancDicomWeb.so"
        if candidate.exists():
            found.append(str(candidate))
            break
    return found


def config(orthanc: LocalOrthanc, *, store_ae_titles: list[str], stable_age: int = 3) -> dict:
    """Orthanc's configuration: local only, authenticated, C-STORE from the listed AE titles only."""
    storage = orthanc.directory / "storage"
    return {
        "Name": "Radiology portal PACS",
        "StorageDirectory": str(storage),
        "IndexDirectory": str(storage),
        "HttpPort": orthanc.http_port,
        "DicomPort": orthanc.dicom_port,
        "DicomAet": orthanc.ae_title,
        "RemoteAccessAllowed": False,
        "AuthenticationEnabled": True,
        "RegisteredUsers": {orthanc.username: orthanc.password},
        # Only known modalities may store; the calling AE title is what is checked (all on 127.0.0.1).
        "DicomAlwaysAllowStore": False,
        "DicomAlwaysAllowEcho": True,
        "DicomCheckModalityHost": False,
        "DicomModalities": {title.lower(): [title, "127.0.0.1", 104] for title in store_ae_titles},
        # A study is "stable" (and appears in the change feed as StableStudy) this long after its last image.
        "StableAge": stable_age,
        "HttpDescribeErrors": False,
        "SaveJobs": False,
        "Plugins": plugins(),
        "DicomWeb": {"Enable": True, "Root": "/dicom-web/"},
    }


def write(orthanc: LocalOrthanc, *, store_ae_titles: list[str], stable_age: int = 3) -> Path:
    orthanc.directory.mkdir(parents=True, exist_ok=True)
    (orthanc.directory / "storage").mkdir(exist_ok=True)
    settings = config(orthanc, store_ae_titles=store_ae_titles, stable_age=stable_age)
    orthanc.config_path.write_text(json.dumps(settings, indent=2))
    os.chmod(orthanc.config_path, 0o600)  # it holds the password
    return orthanc.config_path


def load_or_create(directory: Path, *, http_port: int = 8042, dicom_port: int = 4242,
                   store_ae_titles: list[str]) -> LocalOrthanc:
    """The local Orthanc of `directory`, keeping its generated password from one run to the next."""
    existing = directory / "orthanc.json"
    password = secrets.token_urlsafe(18)
    if existing.exists():
        with contextlib.suppress(ValueError, KeyError, StopIteration):
            password = next(iter(json.loads(existing.read_text())["RegisteredUsers"].values()))
    orthanc = LocalOrthanc(directory=directory, http_port=http_port, dicom_port=dicom_port, username="portal",
                           password=password)
    write(orthanc, store_ae_titles=store_ae_titles)
    return orthanc


def start(orthanc: LocalOrthanc, *, log_path: Path | None = None, wait_seconds: float = 30) -> subprocess.Popen:
    """Start Orthanc in the foreground of a child process and wait until its REST API answers."""
    executable = binary()
    if executable is None:
        raise FileNotFoundError("Orthanc is not installed (Debian package 'orthanc').")
    log = open(log_path or orthanc.directory / "orthanc.log", "ab")  # noqa: SIM115 (kept by the child)
    process = subprocess.Popen([executable, str(orthanc.config_path)], stdout=log, stderr=subprocess.STDOUT,  # noqa: S603
                               cwd=orthanc.directory, start_new_session=True)
    log.close()
    orthanc.pid_path.write_text(str(process.pid))
    deadline = time.monotonic() + wait_seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            log_file = orthanc.directory / "orthanc.log"
            raise RuntimeError(f"Orthanc exited with code {process.returncode}; see {log_file}")
        try:
            if requests.get(f"{orthanc.url}/system", auth=(orthanc.username, orthanc.password), timeout=1).ok:
                return process
        except requests.RequestException:
            pass
        time.sleep(0.2)
    stop(process)
    raise RuntimeError(f"Orthanc did not answer within {wait_seconds:.0f}s")


def stop(process: subprocess.Popen, *, timeout: float = 15) -> None:
    """Stop the Orthanc we started, by its PID."""
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()

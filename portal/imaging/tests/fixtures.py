"""A throwaway Orthanc for the test session (free ports, a temporary folder), and helpers.

Skips, with the reason, only where the Debian package is not installed; `make test` and .ci/run
install it (bin/ensure-debian-packages), so CI never skips.
"""

from __future__ import annotations

import shutil

import pytest

from portal.imaging import orthanc_local

STORE_AE_TITLES = ["STORESCU", "PORTAL", "CT1"]


@pytest.fixture(scope="session")
def orthanc_server(tmp_path_factory):
    if orthanc_local.binary() is None:
        pytest.skip("Orthanc is not installed (Debian package 'orthanc'; `make test` installs it)")
    orthanc = orthanc_local.LocalOrthanc(
        directory=tmp_path_factory.mktemp("orthanc"), http_port=orthanc_local.free_port(),
        dicom_port=orthanc_local.free_port(), username="test", password="test-secret",
    )
    orthanc_local.write(orthanc, store_ae_titles=STORE_AE_TITLES, stable_age=1)
    process = orthanc_local.start(orthanc)
    yield orthanc
    orthanc_local.stop(process)


@pytest.fixture
def orthanc(orthanc_server, settings):
    """The session's Orthanc, with the portal's settings pointing at it."""
    settings.PACS_URL = orthanc_server.url
    settings.PACS_USERNAME = orthanc_server.username
    settings.PACS_PASSWORD = orthanc_server.password
    settings.PACS_DICOM_HOST = "127.0.0.1"
    settings.PACS_DICOM_PORT = orthanc_server.dicom_port
    settings.PACS_AE_TITLE = orthanc_server.ae_title
    return orthanc_server


def require(tool: str) -> str:
    path = shutil.which(tool)
    if path is None:
        pytest.skip(f"{tool} is not installed (Debian package 'dcmtk'; `make test` installs it)")
    return path

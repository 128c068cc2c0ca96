"""Studies stored in a real (throwaway) Orthanc with dcmtk's storescu, linked by the change feed,
seen and downloaded through the proxy by those entitled, and 404 for everyone else."""

from __future__ import annotations

import io
import subprocess
import time
import zipfile

import pydicom
import pytest
from django.urls import reverse
from django.utils import timezone

from portal.accounts.roles import Role
from portal.accounts.tests.factories import enable_totp, user_with_role
from portal.catalogue.models import Modality
from portal.catalogue.tests.factories import ScanTypeFactory
from portal.imaging import orthanc_local, services, synthetic
from portal.imaging.identifiers import patient_dicom_id
from portal.imaging.models import ImageAccess, Study
from portal.imaging.tests.fixtures import require
from portal.imaging.tests.helpers import room
from portal.reports.tests.factories import completed_appointment, radiologist, signed_report

pytestmark = pytest.mark.django_db


def staff(role: str):
    user = user_with_role(role)
    enable_totp(user)
    return user


def store(orthanc, tmp_path, datasets, *, calling: str = "STORESCU") -> subprocess.CompletedProcess:
    files = synthetic.write(datasets, tmp_path / "dicom")
    return subprocess.run([require("storescu"), "-aet", calling, "-aec", orthanc.ae_title, "127.0.0.1",
                           str(orthanc.dicom_port), *map(str, files)], capture_output=True, text=True, timeout=60)


def study_for(appointment, *, patient_id: str | None = None):
    return synthetic.study(
        patient_id=patient_id or patient_dicom_id(appointment.patient_id), patient_name="TEST^PATIENT",
        accession_number=appointment.accession_number, study_instance_uid=appointment.study_instance_uid,
        modality="CT", description="CT chest", study_date=timezone.localdate(), series=2, per_series=3, size=64)


def wait_for_study(uid: str, timeout: float = 30) -> Study:
    """Run the change-feed task until Orthanc has called the study stable and it is read."""
    from portal.imaging.tasks import read_changes

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        read_changes()
        study = Study.objects.filter(study_instance_uid=uid).first()
        if study is not None:
            return study
        time.sleep(0.5)
    raise AssertionError("the study never became stable in Orthanc's change feed")


@pytest.fixture
def appointment():
    ct = room("CT 1", Modality.CT, "CT1")
    return completed_appointment(room=ct, scan_type=ScanTypeFactory(modality=Modality.CT, body_part="Chest"))


def image_urls(study: Study) -> list[str]:
    series = study.series[0]
    instance = series["instances"][0]
    return [
        reverse("imaging:study", args=[study.pk]),
        reverse("imaging:series", args=[study.pk, series["id"]]),
        reverse("imaging:preview", args=[study.pk, instance]),
        reverse("imaging:frame", args=[study.pk, instance]),
        reverse("imaging:download", args=[study.pk]),
        reverse("imaging:download_jpeg", args=[study.pk]),
    ]


def test_stored_study_is_linked_seen_downloaded_by_the_patient_404_for_patient2_each_view_logged(
        orthanc, appointment, tmp_path, client):
    result = store(orthanc, tmp_path, study_for(appointment))
    assert result.returncode == 0, result.stderr
    study = wait_for_study(appointment.study_instance_uid)
    assert (study.status, study.appointment_id) == (Study.Status.LINKED, appointment.pk)
    assert (study.series_count, study.instance_count, study.modality) == (2, 6, "CT")
    signed_report(appointment=appointment)  # released at signing: from now on the patient sees the images

    client.force_login(appointment.patient)
    page = client.get(reverse("imaging:study", args=[study.pk]))
    assert page.status_code == 200
    assert reverse("imaging:preview", args=[study.pk, study.series[0]["instances"][1]]) in page.content.decode()
    thumb = client.get(reverse("imaging:preview", args=[study.pk, study.series[0]["instances"][0]]))
    assert (thumb.status_code, thumb["Content-Type"]) == (200, "image/jpeg")
    assert thumb.content[:2] == b"\xff\xd8"
    series_page = client.get(reverse("imaging:series", args=[study.pk, study.series[0]["id"]]) + "?frame=2")
    assert series_page.status_code == 200 and "Image 2 of 3" in series_page.content.decode()
    download = client.get(reverse("imaging:download", args=[study.pk]))
    assert download.status_code == 200 and download["Content-Type"] == "application/zip"
    archive = zipfile.ZipFile(io.BytesIO(b"".join(download.streaming_content)))
    members = [m for m in archive.namelist() if not m.endswith("/")]
    assert len(members) == 6
    first = pydicom.dcmread(io.BytesIO(archive.read(members[0])))
    assert first.AccessionNumber == appointment.accession_number

    actions = sorted(ImageAccess.objects.filter(study=study, user=appointment.patient).values_list("action", flat=True))
    assert actions == sorted([ImageAccess.Action.VIEW, ImageAccess.Action.SERIES, ImageAccess.Action.DOWNLOAD])

    patient2 = user_with_role(Role.PATIENT)
    client.force_login(patient2)
    for url in image_urls(study):
        assert client.get(url).status_code == 404, url
    assert ImageAccess.objects.filter(study=study, user=patient2, action=ImageAccess.Action.VIEW).count() == 0

    # The patient sees every opening, the refused ones too, in "Who opened my report".
    client.force_login(appointment.patient)
    report_page = client.get(reverse("reports:view", args=[appointment.reports.get().pk])).content.decode()
    assert "Downloaded images (DICOM)" in report_page and "Viewed a series" in report_page
    assert "Someone not entitled (refused)" in report_page


def test_before_the_report_is_released_the_patient_gets_404_but_the_radiologist_sees_the_study(
        orthanc, appointment, tmp_path, client):
    assert store(orthanc, tmp_path, study_for(appointment)).returncode == 0
    study = wait_for_study(appointment.study_instance_uid)
    client.force_login(appointment.patient)
    assert client.get(reverse("imaging:study", args=[study.pk])).status_code == 404
    client.force_login(radiologist())
    assert client.get(reverse("imaging:study", args=[study.pk])).status_code == 200


def test_a_study_with_another_patients_id_goes_to_reconciliation_invisible_to_the_patient(
        orthanc, appointment, tmp_path, client):
    assert store(orthanc, tmp_path, study_for(appointment, patient_id="SOMEONE-ELSE")).returncode == 0
    study = wait_for_study(appointment.study_instance_uid)
    assert study.status == Study.Status.RECONCILE and study.appointment_id is None
    assert "PatientID" in study.problem
    signed_report(appointment=appointment)
    client.force_login(appointment.patient)
    assert client.get(reverse("imaging:study", args=[study.pk])).status_code == 404
    detail = client.get(reverse("booking:detail", args=[appointment.pk])).content.decode()
    assert reverse("imaging:study", args=[study.pk]) not in detail
    client.force_login(staff(Role.RECEPTION))
    listing = client.get(reverse("imaging:reconcile")).content.decode()
    assert "SOMEONE-ELSE" in listing


def test_storescu_from_an_unlisted_ae_title_is_refused_by_orthanc(orthanc, appointment, tmp_path):
    result = store(orthanc, tmp_path, study_for(appointment)[:1], calling="NOTLISTED")
    assert result.returncode != 0


def test_orthanc_down_makes_image_pages_say_unavailable_while_appointments_and_reports_work(
        settings, appointment, tmp_path, client):
    if orthanc_local.binary() is None:
        pytest.skip("Orthanc is not installed (Debian package 'orthanc'; `make test` installs it)")
    own = orthanc_local.LocalOrthanc(directory=tmp_path / "own", http_port=orthanc_local.free_port(),
                                     dicom_port=orthanc_local.free_port(), username="u", password="p")
    orthanc_local.write(own, store_ae_titles=["STORESCU"], stable_age=1)
    process = orthanc_local.start(own)
    settings.PACS_URL, settings.PACS_USERNAME, settings.PACS_PASSWORD = own.url, "u", "p"
    settings.PACS_DICOM_PORT = own.dicom_port
    try:
        assert store(own, tmp_path, study_for(appointment)).returncode == 0
        study = wait_for_study(appointment.study_instance_uid)
    finally:
        orthanc_local.stop(process)  # Orthanc goes down mid-run
    report = signed_report(appointment=appointment)
    client.force_login(appointment.patient)
    page = client.get(reverse("imaging:study", args=[study.pk]))
    assert page.status_code == 200 and "Images are temporarily unavailable" in page.content.decode()
    assert client.get(reverse("imaging:preview", args=[study.pk, study.series[0]["instances"][0]])).status_code == 503
    assert client.get(reverse("booking:detail", args=[appointment.pk])).status_code == 200
    assert client.get(reverse("reports:view", args=[report.pk])).status_code == 200
    assert client.get(reverse("reports:download", args=[report.pk])).status_code == 200
    download = client.get(reverse("imaging:download", args=[study.pk]))
    assert download.status_code == 302  # back to the page, with the message


def test_with_imaging_off_the_panel_says_not_connected_and_nothing_fails(settings, appointment, client):
    settings.PACS_URL = ""
    client.force_login(staff(Role.RADIOGRAPHER))
    page = client.get(reverse("booking:detail", args=[appointment.pk]))
    assert page.status_code == 200
    assert "Imaging is not connected" in page.content.decode()
    assert services.feed_read().studies == 0


def test_a_share_link_shows_the_reports_images_and_only_them_each_opening_in_who_opened_my_report(
        orthanc, appointment, tmp_path, client):
    from django.test import Client

    from portal.reports import sharing
    from portal.reports.models import ReportAccess

    assert store(orthanc, tmp_path, study_for(appointment)).returncode == 0
    study = wait_for_study(appointment.study_instance_uid)
    report = signed_report(appointment=appointment)
    share, token = sharing.report_share_create(report=report, by=appointment.patient, recipient_name="Dr Second",
                                               days=7)
    series, instance = study.series[0], study.series[0]["instances"][1]
    series_url = reverse("reports:shared_series", args=[token, study.pk, series["id"]])
    preview_url = reverse("reports:shared_image", args=[token, study.pk, study.series[0]["instances"][1], "preview"])

    outsider = Client()  # the recipient: no account, a fresh browser
    page = outsider.get(reverse("reports:shared", args=[token])).content.decode()
    assert "Images" in page and series_url in page and preview_url in page
    assert reverse("imaging:study", args=[study.pk]) not in page  # no way into the portal's image pages
    thumb = outsider.get(preview_url)
    assert (thumb.status_code, thumb.content[:2], thumb["Cache-Control"]) == (200, b"\xff\xd8", "private, no-store")
    viewer = outsider.get(series_url + "?frame=2")
    assert viewer.status_code == 200 and "Image 2 of 3" in viewer.content.decode()
    assert reverse("reports:shared_image", args=[token, study.pk, instance, "frame"]) in viewer.content.decode()
    download = outsider.get(reverse("reports:shared_images_download", args=[token, study.pk]))
    archive = zipfile.ZipFile(io.BytesIO(b"".join(download.streaming_content)))
    assert len([m for m in archive.namelist() if not m.endswith("/")]) == 6
    # The link's images and no others: an instance of the study that is not in it, another study's
    # number, or the portal's own image URLs (signed out) all answer 404.
    other = completed_appointment(room=room("CT 1", Modality.CT, "CT1"), hours_ago=6)  # not overlapping in the room
    other_study = Study.objects.create(orthanc_id="other", study_instance_uid="1.2.3", status=Study.Status.LINKED,
                                       appointment=other, series=study.series)
    not_in_it = reverse("reports:shared_image", args=[token, study.pk, "not-in-it", "frame"])
    assert outsider.get(not_in_it).status_code == 404
    assert outsider.get(reverse("reports:shared_series", args=[token, other_study.pk, series["id"]])).status_code == 404
    assert outsider.get(reverse("reports:shared_images_download", args=[token, other_study.pk])).status_code == 404
    assert outsider.get(reverse("imaging:preview", args=[study.pk, instance])).status_code in (302, 404)

    opened = list(ReportAccess.objects.filter(share=share).values_list("action", flat=True))
    assert sorted(opened) == sorted([ReportAccess.Action.VIEW, ReportAccess.Action.IMAGES,
                                     ReportAccess.Action.IMAGES_DOWNLOAD])
    client.force_login(appointment.patient)
    log = client.get(reverse("reports:view", args=[report.pk])).content.decode()
    assert "Shared link: Dr Second" in log and "Viewed the images" in log and "Downloaded the images (DICOM)" in log

    sharing.report_share_revoke(share=share, by=appointment.patient)
    assert outsider.get(preview_url).status_code == 404
    assert outsider.get(series_url).status_code == 302  # to the link's page, which says it was withdrawn
    assert outsider.get(reverse("reports:shared_images_download", args=[token, study.pk])).status_code == 404
    assert ReportAccess.objects.filter(share=share).count() == 3

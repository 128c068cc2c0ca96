"""Report PDFs into a full private-files disk (a real 256 KiB tmpfs, core/tests/full_disk.py): signing
and uploading answer with a clear message, the report stays a draft, nothing of the signing is
half-written (no notice, no superseded version) and no file is left."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from portal.accounts.roles import Role
from portal.accounts.tests.factories import enable_totp, user_with_role
from portal.reports import services
from portal.reports.models import CriticalNotice, Report
from portal.reports.tests.factories import PDF_BYTES, completed_appointment, radiologist, signed_report

pytestmark = pytest.mark.django_db

DRAFT = {"findings": "A 2 cm mass in the right upper lobe.", "impression": "Suspicious for malignancy.",
         "recommendations": "CT chest.", "critical_finding": "on"}


def _draft(rad):
    return services.report_start(appointment=completed_appointment(), radiologist=rad)


def _unsigned(report: Report) -> Report:
    report.refresh_from_db()
    assert report.status == Report.Status.DRAFT and report.signed_at is None
    assert not report.pdf and report.pdf_sha256 == ""
    return report


def test_signing_from_the_editor_on_a_full_disk_keeps_the_draft_and_says_why(client, full_private_disk):
    rad = radiologist()
    report = _draft(rad)
    client.force_login(rad)
    response = client.post(reverse("reports:edit", args=[report.pk]), {**DRAFT, "action": "sign_confirmed"},
                           follow=True)
    assert response.status_code == 200
    assert response.redirect_chain[-1][0] == reverse("reports:edit", args=[report.pk])
    assert "We could not store the report PDF: the server&#x27;s storage is full. The report was not signed" in (
        response.content.decode())
    report = _unsigned(report)
    assert report.findings == DRAFT["findings"] and report.critical_finding  # the draft itself was saved
    assert not CriticalNotice.objects.exists()
    assert full_private_disk.stored_files() == []


def test_signing_from_the_confirmation_page_on_a_full_disk_keeps_the_draft(client, full_private_disk):
    rad = radiologist()
    report = services.report_save_draft(report=_draft(rad), radiologist=rad, findings=DRAFT["findings"],
                                        impression=DRAFT["impression"], recommendations="", critical_finding=False)
    client.force_login(rad)
    response = client.post(reverse("reports:sign", args=[report.pk]), follow=True)
    assert response.status_code == 200 and "The report was not signed" in response.content.decode()
    _unsigned(report)
    assert full_private_disk.stored_files() == []


def test_an_amendment_signed_on_a_full_disk_leaves_the_signed_version_current(client, full_private_disk):
    rad = radiologist()
    full_private_disk.leave_free(128 * 1024)
    first = signed_report(by=rad)
    full_private_disk.fill()
    amendment = services.report_amend(report=first, radiologist=rad, reason="Laterality corrected.")
    client.force_login(rad)
    client.post(reverse("reports:sign", args=[amendment.pk]))
    _unsigned(amendment)
    first.refresh_from_db()
    assert first.status == Report.Status.SIGNED  # not marked amended by the signing that failed
    assert [p.relative_to(full_private_disk.root).as_posix() for p in full_private_disk.stored_files()] == [
        first.pdf.name]


def test_uploading_a_report_pdf_on_a_full_disk_shows_the_message_on_the_form(client, full_private_disk):
    manager = user_with_role(Role.MANAGER)
    enable_totp(manager)
    report = _draft(radiologist())
    client.force_login(manager)
    response = client.post(reverse("reports:upload", args=[report.pk]),
                           {"file": SimpleUploadedFile("external.pdf", PDF_BYTES, "application/pdf")})
    assert response.status_code == 200
    assert "We could not store your file: the server&#x27;s storage is full. Nothing was saved" in (
        response.content.decode())
    _unsigned(report)
    assert full_private_disk.stored_files() == []


def test_a_signing_that_fails_after_the_pdf_is_stored_leaves_no_pdf(settings, monkeypatch):
    """The PDF is written first; when a later write of the signing fails, the PDF goes with it."""
    rad = radiologist()
    report = services.report_save_draft(report=_draft(rad), radiologist=rad, findings="Clear.", impression="Normal.",
                                        recommendations="", critical_finding=False)

    def broken(**kwargs):
        raise RuntimeError("notice write failed")

    monkeypatch.setattr(services, "critical_notice_open", broken)
    with pytest.raises(RuntimeError):
        services.report_sign(report=report, radiologist=rad)
    _unsigned(report)
    assert [p for p in settings.PRIVATE_MEDIA_ROOT.rglob("*") if p.is_file()] == []

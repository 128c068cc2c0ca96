"""Referral letters into a full private-files disk (a real 256 KiB tmpfs, core/tests/full_disk.py):
every upload path answers with a clear message, writes no row and leaves no file, part or whole."""

from __future__ import annotations

import datetime as dt
import io
import os

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from portal.accounts.tests.factories import app_token
from portal.booking import services as booking_services
from portal.booking.tests.conftest import local
from portal.catalogue.tests.factories import ScanTypeFactory
from portal.core.files import STORAGE_FULL_MESSAGE
from portal.referrals import doctor_services, invitations
from portal.referrals.models import Referral, ReferralAccess, ReferralInvitation
from portal.referrals.tests.test_referrals import _files
from portal.reports.tests.factories import PDF_BYTES, verified_doctor

pytestmark = pytest.mark.django_db


def _letter() -> SimpleUploadedFile:
    return SimpleUploadedFile("letter.pdf", PDF_BYTES, "application/pdf")


def _big_scan() -> bytes:
    """A ~120 KB PNG (noise does not compress): bigger than the room left on the disk."""
    out = io.BytesIO()
    Image.frombytes("RGB", (200, 200), os.urandom(200 * 200 * 3)).save(out, format="PNG")
    return out.getvalue()


def _nothing_stored(disk) -> None:
    assert not Referral.objects.exists()
    assert not ReferralInvitation.objects.exists() and not ReferralAccess.objects.exists()
    assert disk.stored_files() == []


def test_a_letter_in_the_booking_wizard_on_a_full_disk_is_refused_with_a_clear_message(at_referral_step,
                                                                                          full_private_disk):
    response = at_referral_step.post(reverse("referrals:book_referral"), {"file": _letter()})
    page = response.content.decode()
    assert response.status_code == 200
    assert "The letter was not uploaded" in page and "the server&#x27;s storage is full" in page
    _nothing_stored(full_private_disk)
    # the wizard holds no letter: confirming sends the patient back to the referral step
    assert at_referral_step.get(reverse("booking:book_confirm"))["Location"] == reverse("referrals:book_referral")


def test_a_letter_that_fills_the_disk_part_way_leaves_no_part_behind(at_referral_step, full_private_disk):
    full_private_disk.leave_free(16 * 1024)
    free_before = full_private_disk.free_bytes()
    scan = _big_scan()
    assert len(scan) > 3 * free_before  # the write starts, then runs out
    response = at_referral_step.post(reverse("referrals:book_referral"),
                                     {"file": SimpleUploadedFile("scan.png", scan, "image/png")})
    assert response.status_code == 200 and "storage is full" in response.content.decode()
    _nothing_stored(full_private_disk)
    assert full_private_disk.free_bytes() == free_before  # the part written was removed


def test_once_space_is_freed_the_same_letter_is_stored(at_referral_step, full_private_disk):
    at_referral_step.post(reverse("referrals:book_referral"), {"file": _letter()})
    assert not Referral.objects.exists()
    full_private_disk.leave_free(64 * 1024)
    at_referral_step.post(reverse("referrals:book_referral"), {"file": _letter()})
    referral = Referral.objects.get()
    assert [p.relative_to(full_private_disk.root).as_posix() for p in full_private_disk.stored_files()] == [
        referral.file.name]
    assert referral.file.read() == PDF_BYTES


def test_a_letter_from_the_appointment_page_on_a_full_disk_is_refused(client, patient, room, day,
                                                                        full_private_disk):
    appointment = booking_services.appointment_book(
        patient=patient, scan_type=ScanTypeFactory(code="plain"), start=local(day, 10), plan=None,
        member_number="", screening_answers={}, booked_by=patient,
    )
    client.force_login(patient)
    response = client.post(reverse("referrals:upload_for_appointment", args=[appointment.pk]), {"file": _letter()},
                           follow=True)
    assert response.status_code == 200 and response.redirect_chain[-1][0] == reverse("booking:detail",
                                                                                     args=[appointment.pk])
    assert "The letter was not uploaded: We could not store your file" in response.content.decode()
    _nothing_stored(full_private_disk)


def test_the_api_answers_a_full_disk_with_503_and_retry_after(client, patient, full_private_disk):
    response = client.post("/api/v1/referrals", {"file": _letter(), "doctor_name": "Dr Moyo"},
                           HTTP_X_SESSION_TOKEN=app_token(client, patient))
    assert response.status_code == 503
    assert response["Content-Type"] == "application/problem+json" and response["Retry-After"] == "300"
    assert response.json()["detail"] == STORAGE_FULL_MESSAGE
    _nothing_stored(full_private_disk)


def test_a_doctors_referral_on_a_full_disk_makes_no_invitation_account_or_email(client, full_private_disk,
                                                                                 django_capture_on_commit_callbacks):
    doctor = verified_doctor()
    users_before = get_user_model().objects.count()
    client.force_login(doctor)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("doctor:referral_create"), {
            "first_name": "Tendai", "last_name": "Moyo", "date_of_birth": "1985-04-12",
            "email": "new.patient@example.test", "clinical_notes": "Cough.", "file": _letter()})
    assert response.status_code == 200
    assert "We could not store your file: the server&#x27;s storage is full." in response.content.decode()
    _nothing_stored(full_private_disk)
    assert get_user_model().objects.count() == users_before and mail.outbox == []


def test_a_doctors_referral_that_fails_after_the_file_is_stored_leaves_no_file(settings, monkeypatch):
    """The file is written first; when a later write of the same transaction fails, it goes too."""
    def broken(**kwargs):
        raise RuntimeError("invitation write failed")

    monkeypatch.setattr(invitations, "referral_invitation_create", broken)
    with pytest.raises(RuntimeError):
        doctor_services.doctor_referral_create(
            doctor_user=verified_doctor(), first_name="Tendai", last_name="Moyo", date_of_birth=dt.date(1985, 4, 12),
            email="new.patient@example.test", scan_type=None, clinical_notes="", uploaded_file=_letter())
    assert not Referral.objects.exists()
    assert _files(settings.PRIVATE_MEDIA_ROOT) == []

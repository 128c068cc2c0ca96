from __future__ import annotations

import io
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from portal.accounts.roles import Role
from portal.accounts.tests.factories import ReferringDoctorFactory
from portal.booking import services as booking_services
from portal.booking.models import Appointment
from portal.booking.tests.conftest import local
from portal.catalogue.tests.factories import ScanTypeFactory
from portal.core.simplepdf import simple_pdf
from portal.referrals.models import Referral, ReferralAccess

pytestmark = pytest.mark.django_db
PDF = simple_pdf()


def _bomb() -> bytes:
    out = io.BytesIO()
    Image.new("1", (20000, 20000)).save(out, format="PNG")
    return out.getvalue()


CORPUS = {
    "exe renamed pdf": lambda: SimpleUploadedFile("letter.pdf", b"MZ\x90\x00\x03" + b"\x00" * 300, "application/pdf"),
    "oversized": lambda: SimpleUploadedFile("big.pdf", PDF + b"0" * 4096, "application/pdf"),
    "png bomb": lambda: SimpleUploadedFile("scan.png", _bomb(), "image/png"),
    "../ name, not a pdf": lambda: SimpleUploadedFile(
        "../../../etc/cron.d/x.pdf", b"#!/bin/sh\nrm -rf /\n", "application/pdf"
    ),
}


def _files(root: Path) -> list[Path]:
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


@pytest.mark.parametrize("case", list(CORPUS))
def test_the_upload_corpus_is_refused_in_the_booking_flow_and_leaves_no_file(at_referral_step, case, settings):
    settings.MAX_UPLOAD_BYTES = 2048
    response = at_referral_step.post(reverse("referrals:book_referral"), {"file": CORPUS[case]()})
    assert response.status_code == 200 and "The letter was not uploaded" in response.content.decode()
    assert not Referral.objects.exists()
    assert _files(Path(settings.PRIVATE_MEDIA_ROOT)) == []
    assert at_referral_step.get(reverse("booking:book_confirm"))["Location"] == reverse("referrals:book_referral")


@pytest.mark.parametrize("case", list(CORPUS))
def test_the_upload_corpus_is_refused_from_the_appointment_page(client, patient, room, day, case, settings):
    settings.MAX_UPLOAD_BYTES = 2048
    scan = ScanTypeFactory(code="plain")
    appointment = booking_services.appointment_book(
        patient=patient,
        scan_type=scan,
        start=local(day, 10),
        plan=None,
        member_number="",
        screening_answers={},
        booked_by=patient,
    )
    client.force_login(patient)
    response = client.post(
        reverse("referrals:upload_for_appointment", args=[appointment.pk]), {"file": CORPUS[case]()}, follow=True
    )
    assert "The letter was not uploaded" in response.content.decode()
    assert not Referral.objects.exists() and _files(Path(settings.PRIVATE_MEDIA_ROOT)) == []


def test_a_dotdot_name_on_a_real_pdf_is_stored_under_a_server_made_name(at_referral_step, settings, tmp_path):
    at_referral_step.post(reverse("referrals:book_referral"), {"file": SimpleUploadedFile("../../evil.pdf", PDF)})
    referral = Referral.objects.get()
    root = Path(settings.PRIVATE_MEDIA_ROOT).resolve()
    stored = _files(root)
    assert [p.resolve() for p in stored] == [(root / referral.file.name).resolve()]
    assert (
        referral.file.name.startswith("referrals/")
        and "evil" not in referral.file.name
        and ".." not in referral.file.name
    )
    assert "/" not in referral.original_name
    assert not any(p.name == "evil.pdf" for p in tmp_path.rglob("*"))


def test_the_referral_step_then_booking_links_the_letter(at_referral_step, patient):
    response = at_referral_step.post(
        reverse("referrals:book_referral"),
        {"file": SimpleUploadedFile("letter.pdf", PDF), "doctor_name": "Dr Chikwanha"},
    )
    assert response["Location"] == reverse("booking:book_confirm")
    page = at_referral_step.get(reverse("booking:book_confirm"))
    token = page.content.decode().split('name="token" value="')[1].split('"')[0]
    at_referral_step.post(reverse("booking:book_confirm"), {"token": token})
    appointment = Appointment.objects.get()
    referral = Referral.objects.get()
    assert referral.appointment == appointment and referral.status == Referral.Status.BOOKED
    assert appointment.status == Appointment.Status.REQUESTED  # reception checks the letter
    html = at_referral_step.get(reverse("booking:detail", args=[appointment.pk])).content.decode()
    assert reverse("referrals:file", args=[referral.pk]) in html


def _uploaded(patient, **kwargs) -> Referral:
    from portal.referrals.services import referral_upload

    return referral_upload(
        patient=patient, uploaded_file=SimpleUploadedFile("l.pdf", PDF), uploaded_by=patient, **kwargs
    )


def test_the_file_is_served_as_an_attachment_to_the_owner_and_the_access_recorded(client, patient):
    referral = _uploaded(patient)
    client.force_login(patient)
    response = client.get(reverse("referrals:file", args=[referral.pk]))
    assert response.status_code == 200 and b"".join(response.streaming_content) == PDF
    assert response["Content-Disposition"].startswith("attachment;")
    assert response["X-Content-Type-Options"] == "nosniff" and response["Content-Type"] == "application/pdf"
    assert ReferralAccess.objects.get().user == patient


def test_who_may_download_a_referral(client, patient, other_patient, staff_user):
    doctor = ReferringDoctorFactory()
    doctor.verified_at = doctor.created_at
    doctor.save()
    other_doctor = ReferringDoctorFactory()
    referral = _uploaded(patient, referring_doctor=None)
    referral.referring_doctor = doctor
    referral.save()
    url = reverse("referrals:file", args=[referral.pk])
    for user, status in [
        (other_patient, 404),
        (staff_user(Role.MARKETING_EDITOR), 404),
        (other_doctor.user, 404),
        (doctor.user, 200),
        (staff_user(Role.RADIOLOGIST), 200),
        (staff_user(Role.RECEPTION), 200),
    ]:
        client.force_login(user)
        assert client.get(url).status_code == status, user


def test_another_patients_appointment_referral_upload_is_404(client, patient, other_patient, room, day):
    scan = ScanTypeFactory(code="plain2")
    appointment = booking_services.appointment_book(
        patient=patient,
        scan_type=scan,
        start=local(day, 10),
        plan=None,
        member_number="",
        screening_answers={},
        booked_by=patient,
    )
    client.force_login(other_patient)
    response = client.post(
        reverse("referrals:upload_for_appointment", args=[appointment.pk]), {"file": SimpleUploadedFile("l.pdf", PDF)}
    )
    assert response.status_code == 404 and not Referral.objects.exists()

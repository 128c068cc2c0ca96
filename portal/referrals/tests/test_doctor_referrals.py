from __future__ import annotations

import datetime as dt

import pytest
from allauth.account.models import EmailAddress
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from portal.accounts.models import User
from portal.accounts.roles import Role
from portal.accounts.tests.factories import user_with_role
from portal.booking.models import Appointment
from portal.booking.tests.factories import AppointmentFactory
from portal.referrals import doctor_services
from portal.referrals.models import Referral
from portal.reports import services as report_services
from portal.reports.tests.factories import (
    PDF_BYTES,
    completed_appointment,
    radiologist,
    referral_for,
    signed_report,
    verified_doctor,
)

pytestmark = pytest.mark.django_db


def _letter():
    return SimpleUploadedFile("letter.pdf", PDF_BYTES, "application/pdf")


def _form(**overrides):
    data = {"first_name": "Tendai", "last_name": "Moyo", "date_of_birth": "1985-04-12", "email": "",
            "clinical_notes": "Cough for 3 weeks.", "file": _letter()}
    data.update(overrides)
    return data


def test_the_list_shows_status_derived_from_appointment_and_report(client):
    doctor = verified_doctor()
    statuses = {}
    received = Referral.objects.get(pk=referral_for(appointment=AppointmentFactory(), doctor_user=doctor).pk)
    received.appointment = None
    received.save()
    statuses[received.pk] = "received"
    statuses[referral_for(appointment=AppointmentFactory(), doctor_user=doctor).pk] = "booked"
    statuses[referral_for(appointment=completed_appointment(), doctor_user=doctor).pk] = "scanned"
    statuses[referral_for(appointment=signed_report().appointment, doctor_user=doctor).pk] = "reported"
    client.force_login(doctor)
    response = client.get(reverse("doctor:referrals"))
    shown = {row["referral"].pk: row["status"] for row in response.context["rows"]}
    assert shown == statuses
    page = response.content.decode()
    for label in ["Received", "Booked", "Scanned", "Reported"]:
        assert label in page


def test_the_list_needs_a_constant_number_of_queries(client):
    doctor = verified_doctor()
    client.force_login(doctor)
    for _ in range(3):
        referral_for(appointment=completed_appointment(), doctor_user=doctor)
    client.get(reverse("doctor:referrals"))
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as few:
        client.get(reverse("doctor:referrals"))
    for _ in range(15):
        referral_for(appointment=signed_report().appointment, doctor_user=doctor)
    client.get(reverse("doctor:referrals"))  # new rooms renew the page chrome's copy once (core.process_memo)
    with CaptureQueriesContext(connection) as many:
        client.get(reverse("doctor:referrals"))
    assert len(many) == len(few)


def test_a_referral_waits_for_the_patient_and_keeps_what_the_doctor_typed(
    client, django_capture_on_commit_callbacks
):
    patient = user_with_role(Role.PATIENT, email="tendai@example.test", first_name="Tendai", last_name="Moyo",
                             date_of_birth=dt.date(1985, 4, 12))
    doctor = verified_doctor()
    client.force_login(doctor)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("doctor:referral_create"), _form(first_name=" tendai ",
                                                                        email="Tendai@Example.test"))
    referral = Referral.objects.get()
    assert response["Location"] == reverse("doctor:referrals")
    assert referral.patient is None and referral.referring_doctor == doctor.doctor_profile
    assert referral.status == Referral.Status.AWAITING_PATIENT and referral.file.read() == PDF_BYTES
    assert (referral.patient_first_name, referral.patient_last_name, referral.patient_date_of_birth) == (
        "tendai", "Moyo", dt.date(1985, 4, 12))
    assert referral.invitation.email == "tendai@example.test" and referral.invitation.account == patient
    assert not referral.invitation.by_password_set
    # the registered patient is asked to sign in and accept; no account is made for them
    [invite] = [m for m in mail.outbox if m.to == ["tendai@example.test"]]
    assert "sign in" in invite.body and "/referrals/invitation/" in invite.body and "Cough" not in invite.body
    assert User.objects.filter(email__iexact="tendai@example.test").count() == 1


def test_an_unknown_address_is_invited_verified_and_accepts_on_setting_a_password(
    client, django_capture_on_commit_callbacks
):
    client.force_login(verified_doctor(user__first_name="Farai", user__last_name="Chikwanha"))
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("doctor:referral_create"), _form(email="New.Patient@Example.test"))
    patient = User.objects.get(email="new.patient@example.test")
    assert not patient.has_usable_password()
    assert set(patient.groups.values_list("name", flat=True)) == {Role.PATIENT}
    assert patient.date_of_birth == dt.date(1985, 4, 12)
    assert Referral.objects.get().patient is None
    address = EmailAddress.objects.get(user=patient)
    assert not address.verified
    invitations = [m for m in mail.outbox if m.to == ["new.patient@example.test"]]
    assert len(invitations) == 1
    body = invitations[0].body
    assert "Farai Chikwanha" in body and "Cough" not in body  # no clinical details in the email
    link = next(line for line in body.splitlines() if "/referrals/invitation/" in line).strip()
    client.logout()
    response = client.get(link.split("testserver", 1)[1])
    response = client.get(response["Location"])
    response = client.post(response["Location"], {"password1": "A-new-Strong-pass-42", "password2":
                                                  "A-new-Strong-pass-42"})
    assert response.status_code == 302
    patient.refresh_from_db()
    assert patient.check_password("A-new-Strong-pass-42")
    address.refresh_from_db()
    assert address.verified
    assert Referral.objects.get().patient == patient


def test_a_second_referral_to_an_invited_account_waits_for_the_same_password_set(
    client, django_capture_on_commit_callbacks
):
    client.force_login(verified_doctor())
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("doctor:referral_create"), _form(email="twice@example.test"))
        client.post(reverse("doctor:referral_create"), _form(email="twice@example.test"))
    assert User.objects.filter(email="twice@example.test").count() == 1
    assert list(Referral.objects.values_list("invitation__by_password_set", flat=True)) == [True, True]
    patient = User.objects.get(email="twice@example.test")
    patient.set_password("A-new-Strong-pass-42")
    patient.save()
    doctor_services.invited_patient_confirm_email_task(patient.pk)  # what allauth's signal queues
    assert set(Referral.objects.values_list("patient", flat=True)) == {patient.pk}


def test_a_non_document_referral_file_is_refused(client):
    client.force_login(verified_doctor())
    user_with_role(Role.PATIENT, first_name="Tendai", last_name="Moyo", date_of_birth=dt.date(1985, 4, 12))
    response = client.post(reverse("doctor:referral_create"),
                           _form(email="tendai@example.test",
                                 file=SimpleUploadedFile("letter.pdf", b"MZ\x90 an exe", "application/pdf")))
    assert "Only PDF, JPG, PNG files are accepted" in response.content.decode()
    assert not Referral.objects.exists()


def test_the_doctor_reads_the_report_of_a_patient_they_referred_only(client):
    doctor = verified_doctor()
    mine = signed_report()
    referral = referral_for(appointment=mine.appointment, doctor_user=doctor)
    theirs = signed_report()
    client.force_login(doctor)
    detail = client.get(reverse("doctor:referral_detail", args=[referral.pk])).content.decode()
    assert reverse("reports:view", args=[mine.pk]) in detail
    assert client.get(reverse("reports:view", args=[mine.pk])).status_code == 200
    assert client.get(reverse("reports:download", args=[theirs.pk])).status_code == 404


def test_a_draft_report_is_not_shown_to_the_doctor(client):
    doctor = verified_doctor()
    appointment = completed_appointment()
    referral = referral_for(appointment=appointment, doctor_user=doctor)
    draft = report_services.report_start(appointment=appointment, radiologist=radiologist())
    client.force_login(doctor)
    assert client.get(reverse("reports:view", args=[draft.pk])).status_code == 404
    response = client.get(reverse("doctor:referral_detail", args=[referral.pk]))
    assert response.context["status"] == "scanned"
    assert appointment.status == Appointment.Status.COMPLETED


def test_the_status_helper_for_a_cancelled_referral():
    referral = Referral(status=Referral.Status.CANCELLED)
    assert doctor_services.referral_display_status(referral, has_final_report=False) == "cancelled"


def test_the_status_helper_for_a_referral_waiting_for_its_patient():
    referral = Referral(status=Referral.Status.AWAITING_PATIENT)
    assert doctor_services.referral_display_status(referral, has_final_report=False) == "awaiting_patient"


@pytest.mark.parametrize(("status", "days", "code", "label"), [
    (Appointment.Status.CANCELLED, 2, "cancelled", "Cancelled"),
    (Appointment.Status.NO_SHOW, -2, "no_show", "Did not attend"),
    (Appointment.Status.CONFIRMED, -2, "not_recorded", "Appointment passed"),
    (Appointment.Status.REQUESTED, 2, "requested", "Requested"),
    (Appointment.Status.CHECKED_IN, 0, "checked_in", "Checked in"),
])
def test_the_referral_status_follows_the_appointment_on_list_detail_and_dashboard(client, status, days, code, label):
    doctor = verified_doctor()
    start = dt.datetime.now(dt.UTC).replace(microsecond=0) + dt.timedelta(days=days, hours=-1 if days == 0 else 0)
    appointment = AppointmentFactory(status=status, start=start)
    referral = referral_for(appointment=appointment, doctor_user=doctor)
    Referral.objects.filter(pk=referral.pk).update(status=Referral.Status.BOOKED)  # the letter's own, stale status
    client.force_login(doctor)
    listing = client.get(reverse("doctor:referrals"))
    assert [row["status"] for row in listing.context["rows"]] == [code]
    detail = client.get(reverse("doctor:referral_detail", args=[referral.pk]))
    assert detail.context["status"] == code
    dashboard = client.get(reverse("accounts:dashboard")).content.decode()
    for page in (listing.content.decode(), detail.content.decode(), dashboard):
        assert f">{label}</span>" in page
        assert ">Booked</span>" not in page


def test_the_doctor_dashboard_names_the_exam_and_date_of_each_referral(client):
    doctor = verified_doctor()
    appointment = AppointmentFactory()
    referral_for(appointment=appointment, doctor_user=doctor)
    client.force_login(doctor)
    page = client.get(reverse("accounts:dashboard")).content.decode()
    assert appointment.scan_type.name in page
    assert f"{appointment.start.astimezone(dt.timezone(dt.timedelta(hours=2))):%-d %b %Y %H:%M}" in page

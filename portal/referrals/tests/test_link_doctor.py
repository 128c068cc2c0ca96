"""Reception links a letter the patient uploaded to the registered doctor who wrote it."""

from __future__ import annotations

import pytest
from django.urls import reverse

from portal.accounts.permissions import can
from portal.accounts.roles import Role
from portal.accounts.tests.factories import enable_totp, user_with_role
from portal.referrals.models import Referral
from portal.reports.doctor_selectors import doctor_referrals
from portal.reports.tests.factories import completed_appointment, signed_report, unverified_doctor, verified_doctor

pytestmark = pytest.mark.django_db


def _staff(role):
    user = user_with_role(role)
    enable_totp(user)
    return user


@pytest.fixture
def letter():
    appointment = completed_appointment()
    return Referral.objects.create(patient=appointment.patient, appointment=appointment, file="referrals/x.pdf",
                                   content_type="application/pdf", size=10, sha256="0" * 64,
                                   doctor_name="Dr Moyo (handwritten)", uploaded_by=appointment.patient)


def test_reception_links_the_letter_and_the_doctor_follows_it_and_reads_the_report(client, letter):
    doctor = verified_doctor()
    report = signed_report(appointment=letter.appointment)
    assert not can(doctor, "reports.read", report)
    client.force_login(_staff(Role.RECEPTION))

    page = client.get(reverse("booking:detail", args=[letter.appointment_id])).content.decode()
    assert "Link to the registered doctor who wrote it" in page and doctor.get_full_name() in page
    response = client.post(reverse("referrals:link_doctor", args=[letter.pk]),
                           {"doctor": doctor.doctor_profile.pk}, follow=True)

    assert f"Linked to Dr {doctor.get_full_name()}" in response.content.decode()
    letter.refresh_from_db()
    assert letter.referring_doctor == doctor.doctor_profile
    assert letter.doctor_name == "Dr Moyo (handwritten)"  # what the letter says is kept
    assert list(doctor_referrals(user=doctor)) == [letter]
    assert can(doctor, "reports.read", report)


@pytest.mark.parametrize("role", [Role.PATIENT, Role.RADIOGRAPHER, Role.RADIOLOGIST, Role.MARKETING_EDITOR])
def test_others_get_404_and_nothing_changes(client, letter, role):
    user = letter.patient if role == Role.PATIENT else _staff(role)
    client.force_login(user)
    doctor = verified_doctor()
    response = client.post(reverse("referrals:link_doctor", args=[letter.pk]), {"doctor": doctor.doctor_profile.pk})
    assert response.status_code == 404
    letter.refresh_from_db()
    assert letter.referring_doctor is None


def test_an_unverified_doctor_or_nonsense_is_refused_with_a_message(client, letter):
    client.force_login(_staff(Role.MANAGER))
    for value in (unverified_doctor().doctor_profile.pk, "999999", "", "x"):
        response = client.post(reverse("referrals:link_doctor", args=[letter.pk]), {"doctor": value}, follow=True)
        assert "The referral was not linked" in response.content.decode()
    letter.refresh_from_db()
    assert letter.referring_doctor is None


def test_a_linked_letter_is_not_moved_to_another_doctor(client, letter):
    first, second = verified_doctor(), verified_doctor()
    client.force_login(_staff(Role.RECEPTION))
    client.post(reverse("referrals:link_doctor", args=[letter.pk]), {"doctor": first.doctor_profile.pk})
    response = client.post(reverse("referrals:link_doctor", args=[letter.pk]),
                           {"doctor": second.doctor_profile.pk}, follow=True)
    assert "already linked" in response.content.decode()
    letter.refresh_from_db()
    assert letter.referring_doctor == first.doctor_profile


def test_get_is_not_allowed(client, letter):
    client.force_login(_staff(Role.RECEPTION))
    assert client.get(reverse("referrals:link_doctor", args=[letter.pk])).status_code == 405

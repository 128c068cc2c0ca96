"""Issue 13, item 11: a referring doctor cannot learn from the new-referral form whether a person is a
patient or an email is registered, and referral creation is rate limited per doctor."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.messages import get_messages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from portal.accounts.roles import Role
from portal.accounts.tests.factories import user_with_role
from portal.referrals import doctor_services
from portal.referrals.models import Referral
from portal.reports.tests.factories import PDF_BYTES, verified_doctor

pytestmark = pytest.mark.django_db


def _form(**overrides):
    data = {"first_name": "Tendai", "last_name": "Moyo", "date_of_birth": "1985-04-12", "email": "",
            "clinical_notes": "Cough for 3 weeks.",
            "file": SimpleUploadedFile("letter.pdf", PDF_BYTES, "application/pdf")}
    data.update(overrides)
    return data


def _outcome(response):
    """What the doctor sees: status, headers that matter, the body and the queued messages."""
    return (response.status_code, response.get("Location"), response.content,
            [(m.level, str(m)) for m in get_messages(response.wsgi_request)])


def test_the_doctor_sees_the_same_response_for_a_registered_and_an_unregistered_email(client):
    user_with_role(Role.PATIENT, email="known@example.test", first_name="Tendai", last_name="Moyo",
                   date_of_birth=dt.date(1985, 4, 12))
    doctor = verified_doctor()
    client.force_login(doctor)
    other = Client()  # a fresh session each, so the queued messages are each request's own
    other.force_login(doctor)
    registered = client.post(reverse("doctor:referral_create"), _form(email="known@example.test"))
    unregistered = other.post(reverse("doctor:referral_create"), _form(
        first_name="Rudo", last_name="Banda", date_of_birth="1979-09-30", email="nobody@example.test"))
    assert Referral.objects.count() == 2  # both recorded
    assert _outcome(registered) == _outcome(unregistered)
    assert registered.status_code == 302 and registered["Location"] == reverse("doctor:referrals")
    text = _outcome(registered)[3][0][1]
    print("doctor-visible message:", text)
    assert "no account" not in text.lower()


def test_the_refusals_for_no_match_several_matches_and_a_taken_email_read_the_same(client):
    user_with_role(Role.PATIENT, email="taken@example.test", first_name="Someone", last_name="Else")
    for dob in (dt.date(1990, 1, 1), dt.date(1990, 1, 1)):
        user_with_role(Role.PATIENT, first_name="Twin", last_name="Ncube", date_of_birth=dob)
    client.force_login(verified_doctor())
    pages = [
        client.post(reverse("doctor:referral_create"), _form()),  # no match, no email
        client.post(reverse("doctor:referral_create"), _form(email="taken@example.test")),
        client.post(reverse("doctor:referral_create"), _form(first_name="Twin", last_name="Ncube",
                                                             date_of_birth="1990-01-01")),
    ]
    # the form echoes what was typed; what the portal says back is one and the same
    errors = {tuple(p.context["form"].errors.get("__all__", [])) for p in pages}
    assert {p.status_code for p in pages} == {200}
    assert all(doctor_services.NOT_SENT in p.content.decode().replace("&#x27;", "'") for p in pages)
    assert errors == {(doctor_services.NOT_SENT,)}
    assert not Referral.objects.exists()


def test_the_referral_past_the_per_doctor_limit_is_refused_and_nothing_is_created(client, settings):
    settings.DOCTOR_REFERRAL_RATE_LIMIT = (3, 3600)
    user_with_role(Role.PATIENT, first_name="Tendai", last_name="Moyo", date_of_birth=dt.date(1985, 4, 12))
    doctor = verified_doctor()
    client.force_login(doctor)
    for _ in range(3):
        assert client.post(reverse("doctor:referral_create"), _form()).status_code == 302
    assert Referral.objects.count() == 3
    response = client.post(reverse("doctor:referral_create"), _form())
    assert response.status_code == 200
    assert "most referrals the portal accepts" in response.content.decode()
    assert Referral.objects.count() == 3
    # the limit is per doctor: another doctor still sends
    client.force_login(verified_doctor())
    assert client.post(reverse("doctor:referral_create"), _form()).status_code == 302
    assert Referral.objects.count() == 4

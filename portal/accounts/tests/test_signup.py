from __future__ import annotations

import re

import pytest
from django.contrib.auth.models import Group
from django.core import mail
from django.urls import reverse

from portal.accounts.models import User
from portal.accounts.permissions import is_staff_member, is_verified_doctor, roles_of
from portal.accounts.roles import Role
from portal.accounts.tests.factories import ReferringDoctorFactory, enable_totp, user_with_role

pytestmark = pytest.mark.django_db

GOOD_PASSWORD = "Blue-pelican-river-72"


def signup_data(**overrides):
    data = {
        "account_type": "patient",
        "first_name": "Tendai",
        "last_name": "Moyo",
        "email": "tendai@example.test",
        "phone": "+263771234567",
        "date_of_birth": "1990-05-01",
        "password1": GOOD_PASSWORD,
        "password2": GOOD_PASSWORD,
    }
    data.update(overrides)
    return data


def test_patient_signup_verify_login_lands_on_patient_dashboard(client):
    response = client.post(reverse("register"), signup_data())
    assert response.status_code == 302
    user = User.objects.get(email="tendai@example.test")
    assert roles_of(user) == {Role.PATIENT}
    assert str(user.phone) == "+263771234567"

    # Unverified: signing in is refused until the emailed link is followed.
    client.logout()
    response = client.post(reverse("login"), {"login": "tendai@example.test", "password": GOOD_PASSWORD})
    assert response.status_code == 302
    assert response["Location"] == reverse("account_email_verification_sent")

    assert len(mail.outbox) >= 1
    link = re.search(r"https?://[^/\s]+(/accounts/confirm-email/[^\s]+/)", mail.outbox[-1].body).group(1)
    assert client.get(link).status_code == 200
    response = client.post(link)
    assert response.status_code == 302

    response = client.post(reverse("login"), {"login": "tendai@example.test", "password": GOOD_PASSWORD}, follow=True)
    assert response.redirect_chain[-1][0] == reverse("accounts:dashboard")
    assert response.status_code == 200
    assert "Signed in as Patient" in response.content.decode()


@pytest.mark.parametrize("account_type", ["staff", "Manager", "Radiologist", "Reception", "admin", ""])
def test_tampered_account_type_creates_no_user(client, account_type):
    response = client.post(reverse("register"), signup_data(account_type=account_type))
    assert response.status_code == 200
    assert "account_type" in response.context["form"].errors
    assert not User.objects.filter(email="tendai@example.test").exists()


def test_tampered_staff_fields_are_ignored(client):
    manager_group_id = str(Group.objects.get(name="Manager").pk)
    client.post(
        reverse("register"),
        signup_data(is_staff="on", is_superuser="on", groups=manager_group_id, role="Manager"),
    )
    user = User.objects.get(email="tendai@example.test")
    assert not user.is_staff and not user.is_superuser
    assert roles_of(user) == {Role.PATIENT}
    assert not is_staff_member(user)


def test_referring_doctor_is_unverified_until_staff_approve(client):
    client.post(reverse("register"), signup_data(account_type="doctor", practice_number="mp 12345", email="dr@x.test"))
    doctor = User.objects.get(email="dr@x.test")
    assert roles_of(doctor) == {Role.REFERRING_DOCTOR}
    assert doctor.doctor_profile.practice_number == "MP 12345"
    assert not is_verified_doctor(doctor)

    manager = user_with_role(Role.MANAGER)
    enable_totp(manager)
    client.force_login(manager)
    page = client.get(reverse("accounts:doctor_approvals"))
    assert "dr@x.test" in page.content.decode()
    response = client.post(reverse("accounts:doctor_approve", args=[doctor.doctor_profile.pk]))
    assert response.status_code == 302
    doctor = User.objects.get(pk=doctor.pk)
    assert is_verified_doctor(doctor)
    assert doctor.doctor_profile.verified_by == manager


def test_doctor_signup_without_practice_number_is_refused(client):
    response = client.post(reverse("register"), signup_data(account_type="doctor", practice_number=""))
    assert response.status_code == 200
    assert "practice_number" in response.context["form"].errors
    assert not User.objects.exists()


def test_duplicate_practice_number_is_refused(client):
    ReferringDoctorFactory(practice_number="MP777")
    response = client.post(reverse("register"), signup_data(account_type="doctor", practice_number="mp777"))
    assert "practice_number" in response.context["form"].errors
    assert not User.objects.filter(email="tendai@example.test").exists()


@pytest.mark.parametrize("role", [Role.PATIENT, Role.REFERRING_DOCTOR, Role.RADIOGRAPHER, Role.MARKETING_EDITOR])
def test_only_managers_and_reception_may_approve_doctors(client, role):
    pending = ReferringDoctorFactory()
    user = user_with_role(role)
    enable_totp(user)
    client.force_login(user)
    assert client.get(reverse("accounts:doctor_approvals")).status_code == 403
    assert client.post(reverse("accounts:doctor_approve", args=[pending.pk])).status_code in (403, 404)
    pending.refresh_from_db()
    assert pending.verified_at is None


def test_bad_signup_input_gets_a_message_and_creates_nothing(client):
    response = client.post(reverse("register"), signup_data(phone="not a phone", date_of_birth="2999-01-01"))
    form = response.context["form"]
    assert "phone" in form.errors and "date_of_birth" in form.errors
    assert not User.objects.exists()


def test_doctor_only_fields_are_hidden_for_patients_and_shown_for_doctors(client):
    """Issue 18: a patient does not see practice number and name (static/js/signup.js toggles them)."""
    page = client.get(reverse("register")).content.decode()
    assert re.search(r'<div id="doctor-fields"[^>]* data-doctor-fields hidden>', page)
    assert "js/signup.js" in page and "Doctor-only" not in page  # the template comment stays a comment
    assert 'class="form-check-input"' in page  # brand-coloured radios, not the browser's blue
    response = client.post(reverse("register"), signup_data(account_type="doctor", practice_number=""))
    assert re.search(r'<div id="doctor-fields"[^>]* data-doctor-fields>', response.content.decode())


def test_a_patients_hidden_doctor_fields_are_ignored(client):
    """Whatever a browser autofilled in the hidden fields neither blocks a patient nor makes a doctor."""
    ReferringDoctorFactory(practice_number="MP777")
    response = client.post(reverse("register"), signup_data(practice_number="x" * 60, practice_name="y" * 300))
    assert response.status_code == 302
    user = User.objects.get(email="tendai@example.test")
    assert roles_of(user) == {Role.PATIENT}
    assert not hasattr(user, "doctor_profile") or user.doctor_profile is None


def test_the_phone_example_is_zimbabwean_and_local_numbers_are_read_in_zw(client, settings):
    settings.PHONENUMBER_DEFAULT_REGION = "ZW"
    page = client.get(reverse("register")).content.decode()
    assert 'placeholder="+263 77 123 4567"' in page and "e.g. +263 77 123 4567." in page
    response = client.post(reverse("register"), signup_data(phone="077 123 4567"))
    assert response.status_code == 302
    assert str(User.objects.get(email="tendai@example.test").phone) == "+263771234567"

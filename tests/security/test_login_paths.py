"""Issue 13, item 1: a password alone never opens a staff page.

Every login form other than allauth's only redirects to it, and a staff page opens only in a session
that itself passed the TOTP step (allauth's record of the session's authentication methods).
"""

from __future__ import annotations

import pytest
from django.urls import reverse

from portal.accounts.roles import Role
from portal.accounts.tests.factories import PASSWORD, UserFactory, enable_totp, totp_code, user_with_role

ADMIN_LOGINS = ["/admin/login/", "/django-admin/login/"]
STAFF_ONLY = ["/analytics/dashboard/", "/appointments/worklist/", "/admin/", "/django-admin/"]


def _staff(enrolled: bool):
    staff = user_with_role(Role.MANAGER, is_staff=True, is_superuser=True)
    staff.totp_secret = enable_totp(staff) if enrolled else None
    return staff


def _session_user_id(client):
    return client.session.get("_auth_user_id")


@pytest.mark.django_db
@pytest.mark.parametrize("path", ADMIN_LOGINS)
@pytest.mark.parametrize("enrolled", [True, False], ids=["enrolled", "unenrolled"])
@pytest.mark.parametrize("signed_in_as_patient", [True, False], ids=["as-patient", "signed-out"])
def test_admin_login_forms_never_sign_in_with_a_password(client, path, enrolled, signed_in_as_patient):
    staff = _staff(enrolled)
    patient = user_with_role(Role.PATIENT)
    if signed_in_as_patient:
        client.force_login(patient)
    for field in ("username", "login", "email"):
        response = client.post(path, {field: staff.email, "password": PASSWORD, "next": "/analytics/dashboard/"})
        assert response.status_code == 302
    assert _session_user_id(client) != str(staff.pk)
    for page in STAFF_ONLY:
        assert client.get(page).status_code in (302, 403, 404), page


@pytest.mark.django_db
@pytest.mark.parametrize("path", ADMIN_LOGINS)
def test_admin_login_forms_send_visitors_to_the_portal_login(client, path):
    response = client.get(path, {"next": "/admin/pages/"})
    assert response.status_code == 302
    assert response["Location"] == reverse("login") + "?next=%2Fadmin%2Fpages%2F"
    # never to another site
    response = client.get(path, {"next": "https://evil.example/"})
    assert "evil.example" not in response["Location"]


@pytest.mark.django_db
def test_enrolled_staff_session_without_the_code_is_signed_out_of_staff_pages(client):
    """A session that passed only the password (Django's own `auth.login`, as the admin forms did)."""
    staff = _staff(enrolled=True)
    assert client.login(email=staff.email, password=PASSWORD)  # ModelBackend: no allauth MFA stage
    for page in STAFF_ONLY:
        response = client.get(page)
        assert response.status_code == 302, page
        assert response["Location"].startswith(reverse("login") + "?next="), page
        assert "_auth_user_id" not in client.session
        assert client.login(email=staff.email, password=PASSWORD)


@pytest.mark.django_db
def test_unenrolled_staff_session_is_sent_to_enrol(client):
    staff = _staff(enrolled=False)
    assert client.login(email=staff.email, password=PASSWORD)
    for page in STAFF_ONLY:
        assert client.get(page)["Location"] == reverse("mfa_activate_totp"), page


@pytest.mark.django_db
def test_staff_login_through_allauth_with_the_code_opens_staff_pages(client):
    staff = _staff(enrolled=True)
    response = client.post(reverse("login"), {"login": staff.email, "password": PASSWORD})
    assert response["Location"] == reverse("mfa_authenticate")
    assert "_auth_user_id" not in client.session
    for page in STAFF_ONLY:  # the password alone opens nothing
        assert client.get(page).status_code == 302
    response = client.post(reverse("login"), {"login": staff.email, "password": PASSWORD})
    response = client.post(reverse("mfa_authenticate"), {"code": totp_code(staff.totp_secret)})
    assert response.status_code == 302
    assert _session_user_id(client) == str(staff.pk)
    assert client.get("/analytics/dashboard/").status_code == 200
    assert client.get("/admin/").status_code == 200


@pytest.mark.django_db
def test_wrong_code_leaves_the_session_signed_out(client):
    staff = _staff(enrolled=True)
    client.post(reverse("login"), {"login": staff.email, "password": PASSWORD})
    client.post(reverse("mfa_authenticate"), {"code": "000000"})
    assert "_auth_user_id" not in client.session
    assert client.get("/analytics/dashboard/").status_code == 302


@pytest.mark.django_db
def test_patient_session_is_not_asked_for_a_code(client):
    patient = UserFactory(roles=[Role.PATIENT])
    assert client.login(email=patient.email, password=PASSWORD)
    assert client.get(reverse("accounts:dashboard")).status_code == 200

"""App sign-in through allauth's JSON API, and the session token the data API reads: expired,
revoked and MFA-less staff tokens are 401; the token endpoint is throttled; sessions are listed
and revocable on the profile page, named after the device the app names."""

from __future__ import annotations

import datetime as dt

import pytest
from allauth.usersessions.models import UserSession
from django.contrib.sessions.models import Session
from django.urls import reverse
from django.utils import timezone

from portal.accounts.roles import Role
from portal.accounts.tests.factories import APP_LOGIN_URL, PASSWORD, app_token, enable_totp, user_with_role

pytestmark = pytest.mark.django_db
ME = "/api/v1/me"


@pytest.fixture
def patient():
    return user_with_role(Role.PATIENT)


def test_a_token_from_the_app_login_reads_the_api(client, patient):
    token = app_token(client, patient)
    response = client.get(ME, HTTP_X_SESSION_TOKEN=token)
    assert response.status_code == 200
    assert response.json()["email"] == patient.email


def test_no_token_is_401_problem_details(client):
    response = client.get(ME)
    assert response.status_code == 401
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["status"] == 401


def test_an_unknown_token_is_401(client):
    assert client.get(ME, HTTP_X_SESSION_TOKEN="not-a-token").status_code == 401


def test_an_expired_token_is_401(client, patient):
    token = app_token(client, patient)
    Session.objects.filter(session_key=token).update(expire_date=timezone.now() - dt.timedelta(seconds=1))
    assert client.get(ME, HTTP_X_SESSION_TOKEN=token).status_code == 401


def test_a_token_signed_out_from_the_profile_page_is_401(client, patient):
    token = app_token(client, patient)
    session = UserSession.objects.get(session_key=token)
    client.force_login(patient)
    response = client.post(reverse("accounts:session_end", args=[session.pk]))
    assert response.status_code == 302
    assert client.get(ME, HTTP_X_SESSION_TOKEN=token).status_code == 401


def test_a_token_the_app_signed_out_is_401(client, patient):
    token = app_token(client, patient)
    response = client.delete("/_allauth/app/v1/auth/session", HTTP_X_SESSION_TOKEN=token)
    assert response.status_code == 401  # allauth answers "not authenticated" once signed out
    assert client.get(ME, HTTP_X_SESSION_TOKEN=token).status_code == 401


def test_a_deactivated_users_token_is_401(client, patient):
    token = app_token(client, patient)
    patient.is_active = False
    patient.save()
    assert client.get(ME, HTTP_X_SESSION_TOKEN=token).status_code == 401


def test_the_token_endpoint_is_throttled(client, patient):
    """The web's rule (ACCOUNT_RATE_LIMITS login_failed): after 5 wrong passwords for an account,
    even the right one is refused for a while."""
    for _ in range(5):
        response = client.post(APP_LOGIN_URL, {"email": patient.email, "password": "wrong-password-1"},
                               content_type="application/json")
        assert response.json()["errors"][0]["code"] == "email_password_mismatch"
    response = client.post(APP_LOGIN_URL, {"email": patient.email, "password": PASSWORD},
                           content_type="application/json")
    assert response.status_code == 400
    assert response.json()["errors"][0]["code"] == "too_many_login_attempts"
    assert "session_token" not in response.json().get("meta", {})


def test_staff_must_pass_two_factor_for_a_token(client):
    staff = user_with_role(Role.RECEPTION)
    secret = enable_totp(staff)
    response = client.post(APP_LOGIN_URL, {"email": staff.email, "password": "Correct-horse-battery-9"},
                           content_type="application/json")
    assert response.status_code == 401  # allauth: the MFA stage is pending
    half_token = response.json()["meta"]["session_token"]
    assert client.get(ME, HTTP_X_SESSION_TOKEN=half_token).status_code == 401
    token = app_token(client, staff, totp_secret=secret)
    assert client.get(ME, HTTP_X_SESSION_TOKEN=token).status_code == 200


def test_staff_without_two_factor_get_no_api_access(client):
    staff = user_with_role(Role.RECEPTION)  # never enrolled: allauth signs them in with a password
    token = app_token(client, staff)
    assert client.get(ME, HTTP_X_SESSION_TOKEN=token).status_code == 401


def test_profile_lists_app_sessions_by_device_name(client, patient):
    token = app_token(client, patient)
    client.get(ME, HTTP_X_SESSION_TOKEN=token, HTTP_X_DEVICE_NAME="Tendai's Pixel 8")
    client.force_login(patient)
    page = client.get(reverse("accounts:profile")).content.decode()
    assert "Signed-in devices" in page
    assert "Tendai&#x27;s Pixel 8" in page


def test_another_users_session_cannot_be_ended(client, patient):
    other = user_with_role(Role.PATIENT)
    token = app_token(client, other)
    theirs = UserSession.objects.get(session_key=token)
    client.force_login(patient)
    assert client.post(reverse("accounts:session_end", args=[theirs.pk])).status_code == 404
    assert client.get(ME, HTTP_X_SESSION_TOKEN=token).status_code == 200


def test_use_slides_the_token_expiry_forward(client, patient):
    token = app_token(client, patient)
    Session.objects.filter(session_key=token).update(expire_date=timezone.now() + dt.timedelta(minutes=5))
    client.get(ME, HTTP_X_SESSION_TOKEN=token)
    left = Session.objects.get(session_key=token).expire_date - timezone.now()
    assert left > dt.timedelta(minutes=25)

"""Issue 13, item 2: every sign-in and password-reset path has allauth's limits.

The admins' own forms (Wagtail's login and password reset, Django admin's login) hand over to allauth,
so 30 wrong passwords posted anywhere get at most allauth's 5 checks for one account, and 12 reset
requests for one address send at most 3 emails.
"""

from __future__ import annotations

import pytest
from django.contrib.auth.backends import ModelBackend
from django.core import mail
from django.urls import reverse

from portal.accounts.roles import Role
from portal.accounts.tests.factories import PASSWORD, user_with_role

pytestmark = pytest.mark.django_db

LOGIN_PATHS = ["/admin/login/", "/django-admin/login/", "/login/", "/accounts/login/"]
RESET_PATHS = ["/admin/password_reset/", "/accounts/password/reset/"]


@pytest.fixture
def password_checks(monkeypatch):
    """Counts the passwords actually checked against the database."""
    checked = []
    original = ModelBackend.authenticate

    def counting(self, request, username=None, password=None, **kwargs):
        checked.append(username or kwargs.get("email"))
        return original(self, request, username=username, password=password, **kwargs)

    monkeypatch.setattr(ModelBackend, "authenticate", counting)
    return checked


@pytest.mark.parametrize("path", LOGIN_PATHS)
def test_thirty_wrong_passwords_get_at_most_five_checks(client, password_checks, path):
    staff = user_with_role(Role.MANAGER, is_staff=True, is_superuser=True)
    refused = 0
    for _ in range(30):
        response = client.post(path, {"username": staff.email, "login": staff.email, "password": "wrong-password-1"})
        refused += "too many failed login attempts" in response.content.decode().lower()
    assert len(password_checks) <= 5
    assert "_auth_user_id" not in client.session
    if path in ("/login/", "/accounts/login/"):
        assert refused == 25
        # and the right password is not let through while the limit holds
        client.post(reverse("login"), {"login": staff.email, "password": PASSWORD})
        assert "_auth_user_id" not in client.session


@pytest.mark.parametrize("path", RESET_PATHS)
@pytest.mark.parametrize("signed_in", [False, True], ids=["signed-out", "signed-in-as-someone-else"])
def test_twelve_reset_requests_send_at_most_three_emails(client, path, signed_in):
    patient = user_with_role(Role.PATIENT)
    if signed_in:
        client.force_login(user_with_role(Role.PATIENT))
    for _ in range(12):
        response = client.post(path, {"email": patient.email}, follow=False)
        assert response.status_code in (200, 302, 429)
    if path == "/admin/password_reset/":
        assert len(mail.outbox) == 0  # Wagtail's form only hands over to allauth's
    else:
        assert 1 <= len(mail.outbox) <= 3


@pytest.mark.parametrize("path", ["/admin/password_reset/", "/admin/password_reset/done/",
                                  "/admin/password_reset/confirm/MQ/set-password/", "/admin/password_reset/complete/"])
def test_wagtails_reset_pages_hand_over_to_allauth(client, path):
    response = client.get(path)
    assert response.status_code == 302
    assert response["Location"] == reverse("account_reset_password")

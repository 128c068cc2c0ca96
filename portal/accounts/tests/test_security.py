from __future__ import annotations

import os
import re
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import URLPattern, URLResolver, get_resolver, resolve, reverse
from django.urls.exceptions import Resolver404
from wagtail.models import Page

from portal.accounts.middleware import is_public_view
from portal.accounts.roles import Role
from portal.accounts.tests.factories import PASSWORD, UserFactory, enable_totp, totp_code, user_with_role

BASE_DIR = Path(settings.BASE_DIR)


def _iter_patterns(resolvers, prefix=""):
    for entry in resolvers:
        if isinstance(entry, URLResolver):
            yield from _iter_patterns(entry.url_patterns, prefix + str(entry.pattern))
        elif isinstance(entry, URLPattern):
            yield prefix + str(entry.pattern), entry


_CONVERTERS = {"int": "1", "str": "x", "slug": "x", "path": "x", "uuid": str(uuid.UUID(int=1))}


def _sample_path(route: str) -> str:
    route = re.sub(r"<(?:(\w+):)?\w+>", lambda m: _CONVERTERS.get(m.group(1) or "str", "1"), route)
    route = re.sub(r"\(\?P<\w+>[^)]*\)", "1", route)  # regex groups
    route = route.replace("^", "").replace("$", "").replace("\\.", ".").replace("?", "")
    return "/" + route.lstrip("/")


def all_url_samples():
    for route, _pattern in _iter_patterns(get_resolver().url_patterns):
        path = _sample_path(route)
        try:
            match = resolve(path)
        except Resolver404:
            continue
        yield path, match


@pytest.mark.django_db
def test_every_url_redirects_anonymous_users_to_login_except_the_public_allowlist(client):
    checked = 0
    for path, match in all_url_samples():
        if is_public_view(match.view_name, list(match.namespaces)):
            continue
        response = client.get(path)
        checked += 1
        assert response.status_code == 302, f"{path} ({match.view_name}) answered {response.status_code} anonymously"
        assert response["Location"].startswith(reverse("login") + "?next="), f"{path} -> {response['Location']}"
    assert checked > 100  # Wagtail admin, Django admin, allauth, portal


@pytest.mark.django_db
def test_public_pages_open_anonymously(client):
    for name in ["healthz", "robots_txt", "login", "register"]:
        assert client.get(reverse(name)).status_code == 200, name
    assert client.get("/").status_code == 200


@pytest.mark.django_db
def test_sixth_wrong_password_in_a_row_is_refused(client):
    user = UserFactory(email="target@example.test")
    for _ in range(5):
        response = client.post(reverse("login"), {"login": user.email, "password": "wrong-password-1"})
        assert response.status_code == 200
        assert "too many" not in response.content.decode().lower()
    response = client.post(reverse("login"), {"login": user.email, "password": "wrong-password-1"})
    assert response.status_code in (200, 429)
    assert "too many failed login attempts" in response.content.decode().lower()
    # even the right password is refused while the limit holds
    response = client.post(reverse("login"), {"login": user.email, "password": PASSWORD})
    assert "_auth_user_id" not in client.session


STAFF_PAGES = ["accounts:dashboard", "accounts:profile", "wagtailadmin_home"]


@pytest.mark.django_db
@pytest.mark.parametrize(
    "role", [Role.RECEPTION, Role.RADIOGRAPHER, Role.RADIOLOGIST, Role.MANAGER, Role.MARKETING_EDITOR]
)
def test_staff_without_mfa_are_sent_to_mfa_setup_from_every_staff_page(client, role):
    staff = user_with_role(role)
    response = client.post(reverse("login"), {"login": staff.email, "password": PASSWORD})
    assert response["Location"] == reverse("accounts:dashboard")
    for name in [*STAFF_PAGES, "accounts:doctor_approvals"]:
        response = client.get(reverse(name))
        assert response.status_code == 302, name
        assert response["Location"] == reverse("mfa_activate_totp"), name
    # allauth asks for the password again before a change of authenticators
    setup = client.get(reverse("mfa_activate_totp"))
    assert setup["Location"].startswith(reverse("account_reauthenticate"))
    client.post(setup["Location"], {"password": PASSWORD})
    setup = client.get(reverse("mfa_activate_totp"))
    assert setup.status_code == 200, setup.get("Location")


@pytest.mark.django_db(transaction=True)  # allauth announces the enrolment when its transaction commits
def test_enrolling_totp_is_this_sessions_second_factor(client):
    staff = user_with_role(Role.RECEPTION)
    client.post(reverse("login"), {"login": staff.email, "password": PASSWORD})
    setup = client.get(reverse("mfa_activate_totp"))
    client.post(setup["Location"], {"password": PASSWORD})
    secret = client.get(reverse("mfa_activate_totp")).context["form"].secret
    client.post(reverse("mfa_activate_totp"), {"code": "000000"})
    assert client.get(reverse("accounts:dashboard"))["Location"] == reverse("mfa_activate_totp")
    client.post(reverse("mfa_activate_totp"), {"code": totp_code(secret)})
    # enrolling is entering a code from the new authenticator: this session has passed MFA
    assert client.get(reverse("accounts:dashboard")).status_code == 200


@pytest.mark.django_db
def test_superuser_without_mfa_is_sent_to_mfa_setup(client):
    admin = UserFactory(is_superuser=True, is_staff=True)
    client.force_login(admin)
    assert client.get("/django-admin/")["Location"] == reverse("mfa_activate_totp")


@pytest.mark.django_db
def test_patients_do_not_need_mfa(client):
    client.force_login(user_with_role(Role.PATIENT))
    assert client.get(reverse("accounts:dashboard")).status_code == 200


@pytest.mark.django_db
def test_marketing_editor_reaches_wagtail_admin_but_not_user_data(client):
    editor = user_with_role(Role.MARKETING_EDITOR)
    enable_totp(editor)
    client.force_login(editor)
    assert client.get(reverse("wagtailadmin_home")).status_code == 200
    home = Page.objects.get(depth=2)
    assert client.get(reverse("wagtailadmin_pages:edit", args=[home.pk])).status_code == 200
    # The Wagtail user admin lists patients: closed to editors.
    assert client.get(reverse("wagtailusers_users:index")).status_code in (302, 403)
    assert client.get("/django-admin/accounts/user/").status_code == 302  # to the Django admin login


@pytest.mark.django_db
def test_healthz_reports_database_and_cache(client):
    response = client.get(reverse("healthz"))
    assert response.status_code == 200
    body = response.json()
    assert (body["database"], body["cache"]) == ("ok", "ok")
    assert body["status"] in ("ok", "degraded")  # degraded: no worker heartbeat (portal/core/tests)


def _manage(*args, **env_overrides):
    env = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}
    env.update(env_overrides)
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=BASE_DIR, env=env, capture_output=True, text=True, timeout=120
    )


PRODUCTION_ENV = {
    "DJANGO_DEBUG": "0",
    "DJANGO_SECRET_KEY": "p7#Kq2!vX9zL0mN4bR8tY1wE6uI3oP5aS7dF2gH9jK4lZ0xC8vB6nM1qW3eR5tY7u",
    "DJANGO_ALLOWED_HOSTS": "portal.example.org",
}


def test_production_settings_pass_check_deploy_with_zero_warnings():
    result = _manage("check", "--deploy", "--fail-level", "WARNING", **PRODUCTION_ENV)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


def test_debug_off_with_the_default_secret_key_refuses_to_start():
    result = _manage("check", DJANGO_DEBUG="0", DJANGO_ALLOWED_HOSTS="portal.example.org")
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY is missing or is the development default" in result.stderr


def test_debug_off_with_empty_allowed_hosts_refuses_to_start():
    result = _manage("check", DJANGO_DEBUG="0", DJANGO_SECRET_KEY=PRODUCTION_ENV["DJANGO_SECRET_KEY"])
    assert result.returncode != 0
    assert "DJANGO_ALLOWED_HOSTS is empty" in result.stderr


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/admin/login/", "/django-admin/login/"])
def test_admin_logins_go_through_the_throttled_portal_login(client, path):
    user = UserFactory(is_staff=True, is_superuser=True)
    response = client.post(path, {"username": user.email, "password": PASSWORD})
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))
    assert "_auth_user_id" not in client.session

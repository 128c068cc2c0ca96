from __future__ import annotations

import pytest
from django.contrib.sessions.models import Session
from django.db import connection
from django.urls import reverse

from portal.accounts.roles import Role
from portal.accounts.services import user_deactivate
from portal.accounts.tests.factories import PASSWORD, enable_totp, user_with_role
from portal.core.audit import AppendOnlyError, AuditEvent

pytestmark = pytest.mark.django_db


def _login(client, user):
    response = client.post(reverse("login"), {"login": user.email, "password": PASSWORD})
    assert response.status_code == 302
    return client


def test_login_issues_a_new_session_key(client):
    client.get(reverse("login"))
    client.session.save()
    before = client.session.session_key
    _login(client, user_with_role(Role.PATIENT))
    assert client.session.session_key != before


@pytest.mark.parametrize(("role", "minutes"), [(Role.PATIENT, 30), (Role.RECEPTION, 15), (Role.RADIOLOGIST, 15)])
def test_idle_timeout_depends_on_role(client, role, minutes):
    user = user_with_role(role)
    enable_totp(user)
    client.force_login(user)
    client.get(reverse("accounts:dashboard"))
    assert client.session.get_expiry_age() == minutes * 60


def test_logout_invalidates_the_session_cookie(client):
    _login(client, user_with_role(Role.PATIENT))
    old_key = client.session.session_key
    client.post(reverse("logout"))
    assert not Session.objects.filter(session_key=old_key).exists()
    client.cookies["sessionid"] = old_key  # replaying the old cookie
    assert client.get(reverse("accounts:dashboard")).status_code == 302


def test_deactivating_a_user_ends_their_sessions(client):
    patient = user_with_role(Role.PATIENT)
    _login(client, patient)
    assert client.get(reverse("accounts:dashboard")).status_code == 200
    manager = user_with_role(Role.MANAGER)
    user_deactivate(user=patient, by=manager)
    response = client.get(reverse("accounts:dashboard"))
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))


def test_portal_pages_carry_a_nonce_csp_without_unsafe_inline_scripts(client):
    client.force_login(user_with_role(Role.PATIENT))
    response = client.get(reverse("accounts:dashboard"))
    csp = response["Content-Security-Policy"]
    script_src = next(part for part in csp.split("; ") if part.startswith("script-src"))
    assert "'unsafe-inline'" not in script_src and "'nonce-" in script_src
    nonce = script_src.split("'nonce-")[1].split("'")[0]
    html = response.content.decode()
    for tag in html.split("<script")[1:]:
        opening = tag.split(">", 1)[0]
        assert "src=" in opening or f'nonce="{nonce}"' in opening, opening
    assert "frame-ancestors 'none'" in csp
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"


def test_patient_data_requests_are_audited(client):
    patient = user_with_role(Role.PATIENT)
    client.force_login(patient)
    client.get(reverse("accounts:profile"))
    client.post(reverse("accounts:profile"), {"first_name": "A", "last_name": "B"})
    events = list(AuditEvent.objects.filter(actor=patient).order_by("at", "pk"))
    assert [(e.action, e.view_name) for e in events] == [
        ("read", "accounts:profile"),
        ("write", "accounts:profile"),
    ]
    assert events[0].ip_address == "127.0.0.1"


def test_the_audit_trail_cannot_be_changed_or_deleted():
    event = AuditEvent.objects.create(action="read", method="GET", view_name="x", path="/x", status_code=200)
    event.path = "/changed"
    with pytest.raises(AppendOnlyError):
        event.save()
    with pytest.raises(AppendOnlyError):
        event.delete()
    with pytest.raises(AppendOnlyError):
        AuditEvent.objects.filter(pk=event.pk).update(path="/changed")
    with pytest.raises(AppendOnlyError):
        AuditEvent.objects.all().delete()


@pytest.mark.skipif(connection.vendor != "postgresql", reason="database trigger on PostgreSQL only")
def test_postgresql_refuses_raw_updates_of_the_audit_trail():
    from django.db import DatabaseError, transaction

    event = AuditEvent.objects.create(action="read", method="GET", view_name="x", path="/x", status_code=200)
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("UPDATE core_auditevent SET path = '/changed' WHERE id = %s", [event.pk])
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("DELETE FROM core_auditevent WHERE id = %s", [event.pk])

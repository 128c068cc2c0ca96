"""Row history (django-simple-history) and the managers' audit screen in the Wagtail admin."""

from __future__ import annotations

import csv
import io

import pytest
from django.urls import reverse

from portal.accounts.models import User
from portal.accounts.roles import Role
from portal.accounts.tests.factories import enable_totp
from portal.accounts.tests.factories import user_with_role as _user_with_role
from portal.booking.models import Appointment
from portal.booking.tests.factories import AppointmentFactory
from portal.core.audit import AuditEvent

pytestmark = pytest.mark.django_db


def user_with_role(role, **kwargs):
    """Staff sign in with two factors (the middleware requires it); force_login records it."""
    user = _user_with_role(role, **kwargs)
    if role != Role.PATIENT:
        enable_totp(user)
    return user


@pytest.fixture
def reception_confirms(client):
    appointment = AppointmentFactory(status=Appointment.Status.REQUESTED, confirmed_at=None)
    reception = user_with_role(Role.RECEPTION)
    client.force_login(reception)
    response = client.post(reverse("booking:action", args=[appointment.pk, "confirm"]))
    assert response.status_code == 302
    appointment.refresh_from_db()
    assert appointment.status == Appointment.Status.CONFIRMED
    client.logout()
    return appointment, reception


def test_a_transition_made_in_a_request_keeps_before_and_after_with_the_acting_user(reception_confirms):
    appointment, reception = reception_confirms
    latest = appointment.history.latest()
    delta = latest.diff_against(latest.prev_record)
    status = next(change for change in delta.changes if change.field == "status")
    assert (status.old, status.new) == ("requested", "confirmed")
    assert latest.history_user == reception


def test_user_history_never_keeps_the_password_hash():
    user = user_with_role(Role.PATIENT)
    user.set_password("Another-password-2026")
    user.save()
    historical = User.history.model
    assert "password" not in {field.name for field in historical._meta.fields}
    assert user.history.count() >= 1


def test_a_manager_reads_the_row_history_filtered_by_who(client, reception_confirms):
    _appointment, reception = reception_confirms
    client.force_login(user_with_role(Role.MANAGER))
    response = client.get(reverse("audit:history"), {"user": reception.pk})
    assert response.status_code == 200
    body = response.content.decode()
    assert reception.email.replace("@", "@<wbr>") in body
    assert "requested → confirmed" in body
    # Only the reception user's changes: the factory's own save (no user) is filtered out.
    assert {row.user_email for row in response.context["object_list"]} == {reception.email}


def test_the_row_history_exports_as_csv(client, reception_confirms):
    appointment, reception = reception_confirms
    client.force_login(user_with_role(Role.MANAGER))
    response = client.get(reverse("audit:history"), {"what": "booking.appointment", "export": "csv"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))
    mine = [row for row in rows if row["Object"] == str(appointment.pk) and row["Change"] == "Changed"]
    assert mine and mine[0]["Who"] == reception.email
    assert "status: requested -> confirmed" in mine[0]["Before -> after"].replace("→", "->")


def test_the_audit_trail_filters_by_object_and_exports(client):
    appointment = AppointmentFactory()
    other = AppointmentFactory()
    patient = appointment.patient
    client.force_login(patient)
    client.get(reverse("booking:detail", args=[appointment.pk]))
    client.force_login(other.patient)
    client.get(reverse("booking:detail", args=[other.pk]))
    client.force_login(user_with_role(Role.MANAGER))
    response = client.get(reverse("audit:events"), {"object_id": appointment.pk, "export": "csv"})
    rows = list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert [row["Who"] for row in rows] == [patient.email]
    assert rows[0]["What"] == "booking:detail"


def test_reading_the_audit_screen_is_itself_audited(client):
    manager = user_with_role(Role.MANAGER)
    client.force_login(manager)
    assert client.get(reverse("audit:events")).status_code == 200
    assert AuditEvent.objects.filter(actor=manager, view_name="audit:events").exists()


@pytest.mark.parametrize("role", [Role.RECEPTION, Role.MARKETING_EDITOR])
def test_admin_users_who_are_not_managers_get_403(client, role):
    client.force_login(user_with_role(role))
    for name in ("audit:events", "audit:history"):
        assert client.get(reverse(name)).status_code == 403
        assert client.get(reverse(name), {"export": "csv"}).status_code == 403


@pytest.mark.parametrize("role", [Role.PATIENT, Role.RADIOLOGIST])
def test_users_without_admin_access_never_reach_the_audit_screen(client, role):
    client.force_login(user_with_role(role))
    for params in ({}, {"export": "csv"}):
        response = client.get(reverse("audit:events"), params)
        assert response.status_code == 302  # Wagtail sends them to sign in as someone else
        assert not response.get("Content-Disposition")


def test_the_audit_menu_is_shown_to_managers_only(client):
    client.force_login(user_with_role(Role.MANAGER))
    assert reverse("audit:events") in client.get(reverse("wagtailadmin_home")).content.decode()
    client.force_login(user_with_role(Role.RECEPTION))
    assert reverse("audit:events") not in client.get(reverse("wagtailadmin_home")).content.decode()

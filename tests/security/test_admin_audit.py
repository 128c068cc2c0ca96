"""Issue 13, item 4: reads of patient data in the Django admin and Wagtail's user admin are audited.

Each read adds one audit row with the staff actor and the path; a search keeps its term in the row
(the database record), not in the logs.
"""

from __future__ import annotations

import pytest
from django.urls import reverse

from portal.accounts.roles import Role
from portal.accounts.tests.factories import PASSWORD, enable_totp, totp_code, user_with_role
from portal.core.audit import AuditEvent


@pytest.fixture
def staff_client(client):
    staff = user_with_role(Role.MANAGER, is_staff=True, is_superuser=True)
    secret = enable_totp(staff)
    client.post(reverse("login"), {"login": staff.email, "password": PASSWORD})
    response = client.post(reverse("mfa_authenticate"), {"code": totp_code(secret)})
    assert response.status_code == 302
    client.staff = staff
    return client


@pytest.fixture
def patient():
    person = user_with_role(Role.PATIENT)
    person.last_name = "Mutasa"
    person.save(update_fields=["last_name"])
    return person


def _rows_for(staff, path):
    return AuditEvent.objects.filter(actor=staff, path=path)


@pytest.mark.django_db
def test_a_staff_read_of_a_patients_change_page_in_the_django_admin_is_audited(staff_client, patient):
    path = reverse("admin:accounts_user_change", args=[patient.pk])
    before = AuditEvent.objects.count()
    assert staff_client.get(path).status_code == 200
    assert AuditEvent.objects.count() == before + 1
    row = _rows_for(staff_client.staff, path).get()
    assert row.action == AuditEvent.Action.READ
    assert row.view_name == "admin:accounts_user_change"
    assert row.status_code == 200


@pytest.mark.django_db
def test_a_staff_search_by_surname_in_the_django_admin_is_audited_with_the_term(staff_client, patient, caplog):
    path = reverse("admin:accounts_user_changelist")
    response = staff_client.get(path, {"q": "Mutasa"})
    assert response.status_code == 200
    assert patient.email in response.content.decode()
    row = _rows_for(staff_client.staff, path).get()
    assert row.object_ids["search_q"] == "Mutasa"
    assert "Mutasa" not in caplog.text


@pytest.mark.django_db
def test_a_staff_read_of_notification_preferences_in_the_django_admin_is_audited(staff_client):
    path = reverse("admin:notifications_notificationpreference_changelist")
    assert staff_client.get(path).status_code == 200
    assert _rows_for(staff_client.staff, path).count() == 1


@pytest.mark.django_db
def test_a_staff_read_of_a_wagtail_user_edit_page_is_audited(staff_client, patient):
    path = reverse("wagtailusers_users:edit", args=[patient.pk])
    before = AuditEvent.objects.count()
    assert staff_client.get(path).status_code == 200
    assert AuditEvent.objects.count() == before + 1
    row = _rows_for(staff_client.staff, path).get()
    assert row.view_name == "wagtailusers_users:edit"
    assert row.object_ids.get("pk") == str(patient.pk)

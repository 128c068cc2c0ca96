"""Each role finds its work from the dashboard and the navigation (issue 18.11)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from portal.accounts.roles import Role
from portal.accounts.tests.factories import UserFactory, enable_totp, user_with_role

pytestmark = pytest.mark.django_db


def _dashboard(client, user) -> str:
    enable_totp(user)
    client.force_login(user)
    return client.get(reverse("accounts:dashboard")).content.decode()


def test_the_marketing_editors_dashboard_leads_to_the_website_editor(client):
    html = _dashboard(client, user_with_role(Role.MARKETING_EDITOR))
    assert "Open the website editor" in html
    assert f'href="{reverse("wagtailadmin_home")}"' in html


def test_the_administrators_navigation_has_the_worklist_analytics_and_django_admin(client):
    admin = UserFactory(is_superuser=True, is_staff=True)
    html = _dashboard(client, admin)
    nav = html[html.index('id="main-nav"'):html.index("</nav>")]
    for name in ("booking:worklist", "analytics:dashboard", "admin:index"):
        assert f'href="{reverse(name)}"' in nav, name


def test_django_admin_is_not_in_a_managers_navigation(client):
    html = _dashboard(client, user_with_role(Role.MANAGER))
    assert f'href="{reverse("admin:index")}"' not in html


@pytest.mark.parametrize("role", [Role.RECEPTION, Role.RADIOGRAPHER, Role.RADIOLOGIST, Role.MANAGER])
def test_staff_are_not_asked_for_a_mobile_number_for_reminders(client, role):
    html = _dashboard(client, user_with_role(role, phone=""))
    assert "to get SMS reminders" not in html


def test_a_patient_without_a_mobile_number_is_told_how_to_get_reminders(client):
    patient = user_with_role(Role.PATIENT, phone="")
    client.force_login(patient)
    assert "to get SMS reminders" in client.get(reverse("accounts:dashboard")).content.decode()

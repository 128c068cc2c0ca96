"""A marketing editor edits the site and the catalogue, and sees no patient data anywhere in the admin."""

from __future__ import annotations

import contextlib

import pytest
from django.contrib import admin
from django.urls import NoReverseMatch, reverse

from portal.accounts.roles import Role
from portal.accounts.tests.factories import user_with_role

pytestmark = pytest.mark.django_db

REFUSED = {302, 403, 404}


@pytest.fixture
def patient():
    return user_with_role(Role.PATIENT, email="secret.patient@example.test", first_name="Tariro",
                          last_name="Zvobgo-Unique")


def _assert_refused(client, url, patient):
    """403/404, or a redirect away (Wagtail sends a refused editor to the dashboard with a message)."""
    response = client.get(url)
    assert response.status_code in REFUSED, f"{url} answered {response.status_code}"
    if response.status_code == 302:
        assert response["Location"].split("?")[0] != url
        response = client.get(response["Location"])
    assert patient.email not in response.content.decode()
    return response


def test_wagtail_user_and_group_admin_is_refused(marketing_client, patient):
    for url in [
        reverse("wagtailusers_users:index"),
        reverse("wagtailusers_users:add"),
        reverse("wagtailusers_users:edit", args=[patient.pk]),
        reverse("wagtailusers_users:delete", args=[patient.pk]),
        reverse("wagtailusers_groups:index"),
    ]:
        _assert_refused(marketing_client, url, patient)


def test_every_django_admin_view_is_refused(marketing_client, patient):
    urls = [reverse("admin:index")]
    for model in admin.site._registry:
        meta = model._meta
        for view, args in (("changelist", []), ("add", [])):
            with contextlib.suppress(NoReverseMatch):
                urls.append(reverse(f"admin:{meta.app_label}_{meta.model_name}_{view}", args=args))
    urls.append(reverse("admin:accounts_user_change", args=[patient.pk]))
    assert len(urls) > 3
    for url in urls:
        response = marketing_client.get(url)
        assert response.status_code in REFUSED, f"{url} answered {response.status_code}"
        assert patient.email not in response.content.decode()


def test_admin_pages_a_marketing_editor_can_open_show_no_patient(marketing_client, patient):
    urls = [
        reverse("wagtailadmin_home"),
        reverse("wagtailsnippets_catalogue_scantype:list"),
        reverse("wagtailadmin_explore_root"),
        reverse("wagtailadmin_reports:site_history"),
        "/admin/search/?q=Zvobgo",
        "/admin/snippets/",
    ]
    for url in urls:
        response = marketing_client.get(url)
        if response.status_code == 200:
            body = response.content.decode()
            assert patient.email not in body, url
            assert patient.last_name not in body, url
    assert marketing_client.get(reverse("wagtailsnippets_catalogue_scantype:list")).status_code == 200


def test_no_snippet_of_patient_apps_is_open_to_a_marketing_editor(marketing_client):
    from wagtail.snippets.models import get_snippet_models

    patient_apps = {"accounts", "booking", "referrals", "reports", "payments", "feedback", "notifications"}
    for model in get_snippet_models():
        if model._meta.app_label in patient_apps:
            url = reverse(model.snippet_viewset.get_url_name("list"))
            response = marketing_client.get(url)
            assert response.status_code in REFUSED, f"{url} answered {response.status_code}"

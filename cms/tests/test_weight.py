"""What a page costs the browser: the editors' userbar on Wagtail pages only; HTML compressed."""

from __future__ import annotations

import gzip

import pytest
from django.urls import reverse

from portal.accounts.roles import Role
from portal.accounts.tests.factories import user_with_role

pytestmark = pytest.mark.django_db

USERBAR = "<wagtail-userbar"


def test_editors_get_the_userbar_on_a_public_page(client, site_tree):
    client.force_login(user_with_role(Role.MARKETING_EDITOR))
    response = client.get(site_tree["about"].url)
    assert response.status_code == 200
    assert USERBAR in response.content.decode()


@pytest.mark.parametrize("url_name", ["accounts:dashboard", "analytics:dashboard"])
def test_staff_with_admin_access_get_no_userbar_on_portal_pages(client, site_tree, settings, url_name):
    settings.STAFF_MFA_REQUIRED = False
    client.force_login(user_with_role(Role.MANAGER))
    response = client.get(reverse(url_name))
    assert response.status_code == 200
    html = response.content.decode()
    assert USERBAR not in html and "wagtailadmin/js" not in html


def test_html_is_sent_compressed_to_browsers_that_accept_it(client):
    client.force_login(user_with_role(Role.PATIENT))
    response = client.get(reverse("accounts:dashboard"), HTTP_ACCEPT_ENCODING="gzip, br")
    assert response["Content-Encoding"] == "gzip"
    assert "Accept-Encoding" in response["Vary"]
    assert b"</html>" in gzip.decompress(response.content)

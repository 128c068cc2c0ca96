"""The marketing editor changes a public page in the Wagtail admin and publishes it; the public
site shows the change."""

from __future__ import annotations

import re

import pytest

from tests.e2e.support import MARKETING, seed_demo

pytestmark = pytest.mark.e2e


def test_marketing_editor_publishes_a_page(journey, settings):
    settings.STAFF_MFA_REQUIRED = False
    seed_demo()
    from cms.models import NewsPage

    news = NewsPage.objects.live().get(slug="saturday-mammography")
    journey.sign_in(MARKETING)
    journey.arrived("dashboard")
    page = journey.visit("/admin/", "wagtail admin")
    page = journey.visit(f"/admin/pages/{news.pk}/edit/", "page editor")
    title = page.locator("#id_title")
    title.fill("Saturday mammography clinics, now every week")
    page.locator("footer").get_by_role("button", name=re.compile("More actions", re.I)).click()
    journey.follow(page.get_by_role("button", name=re.compile(r"^Publish")), "published")
    news.refresh_from_db()
    assert news.title == "Saturday mammography clinics, now every week"
    assert not news.has_unpublished_changes
    page = journey.visit(news.url, "public page")
    assert page.get_by_role("heading", level=1).inner_text().strip() == "Saturday mammography clinics, now every week"
    journey.assert_clean()

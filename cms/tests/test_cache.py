"""Anonymous visitors get cached pages; publishing clears them; signed-in users never get a cached page."""

from __future__ import annotations

import pytest
from django.conf import settings

from cms.cache import CACHE_HEADER
from portal.accounts.roles import Role
from portal.accounts.tests.factories import user_with_role

pytestmark = pytest.mark.django_db


def test_second_anonymous_visit_is_served_from_the_cache_without_queries(client, site_tree,
                                                                         django_assert_num_queries):
    url = site_tree["mri_page"].url
    first = client.get(url)
    assert first[CACHE_HEADER] == "miss"
    with django_assert_num_queries(0):
        second = client.get(url)
    assert second[CACHE_HEADER] == "hit"
    assert second.content == first.content


def test_cached_pages_carry_no_csrf_token_or_cookie(client, site_tree):
    response = client.get(site_tree["home"].url)
    assert not response.cookies
    assert "csrfmiddlewaretoken" not in response.content.decode()
    assert '"X-CSRFToken": ""' in response.content.decode()


def test_publishing_a_page_clears_the_cache(client, site_tree):
    page = site_tree["about"]
    client.get(page.url)
    assert client.get(page.url)[CACHE_HEADER] == "hit"
    page.intro = "Freshly published words."
    page.save_revision().publish()
    response = client.get(page.url)
    assert response[CACHE_HEADER] == "miss"
    assert "Freshly published words." in response.content.decode()


def test_unpublishing_a_page_clears_the_cache(client, site_tree):
    page = site_tree["news"]
    assert client.get(page.url).status_code == 200
    page.unpublish()
    assert client.get(page.url).status_code == 404


def test_signed_in_users_always_get_a_fresh_page(client, site_tree):
    url = site_tree["home"].url
    client.get(url)  # warm the anonymous cache
    patient = user_with_role(Role.PATIENT)
    client.force_login(patient)
    response = client.get(url)
    assert CACHE_HEADER not in response
    assert patient.get_short_name() in response.content.decode()


def test_estimates_are_cached_per_query_and_still_correct(client, site_tree):
    plan = site_tree["plan"]
    url = site_tree["pricing"].url
    mri = {"scheme": plan.scheme_id, "plan": plan.pk, "scan": "mri-knee"}
    xray = {"scheme": plan.scheme_id, "plan": plan.pk, "scan": "xr-chest"}
    assert client.get(url, mri)[CACHE_HEADER] == "miss"
    hit = client.get(url, mri)
    assert hit[CACHE_HEADER] == "hit" and "USD 126.00" in hit.content.decode()
    other = client.get(url, xray)
    assert other[CACHE_HEADER] == "miss" and 'patient-pays">USD 0.00' in other.content.decode()
    partial = client.get(url, mri, headers={"HX-Request": "true"})
    assert partial[CACHE_HEADER] == "miss" and "<html" not in partial.content.decode()


def test_non_page_urls_and_posts_are_not_cached(client, site_tree):
    assert CACHE_HEADER not in client.get("/search/?q=mri")
    assert CACHE_HEADER not in client.get("/robots.txt")


def test_the_cache_can_be_turned_off(client, site_tree, settings):
    settings.CMS_PAGE_CACHE_SECONDS = 0
    from cms import cache as page_cache

    middleware = page_cache.AnonymousPageCacheMiddleware(lambda request: None)
    assert middleware.timeout == 0
    assert settings.MIDDLEWARE[-1] == "cms.cache.AnonymousPageCacheMiddleware"


def test_an_uncached_home_page_render_needs_few_queries(client, site_tree, django_assert_max_num_queries):
    with django_assert_max_num_queries(20):
        response = client.get(site_tree["home"].url)
    assert response[CACHE_HEADER] == "miss"
    assert settings.CMS_PAGE_CACHE_SECONDS > 0


def _messages_cookie(text: str) -> str:
    from django.contrib.messages import constants
    from django.contrib.messages.storage.base import Message
    from django.contrib.messages.storage.cookie import CookieStorage
    from django.test import RequestFactory

    storage = CookieStorage(RequestFactory().get("/"))
    return storage._encode([Message(constants.INFO, text)])


def test_a_visitor_with_a_message_gets_a_fresh_page_that_is_not_shared(client, site_tree):
    url = site_tree["home"].url
    client.get(url)  # warm
    client.cookies["messages"] = _messages_cookie("You have signed out.")
    response = client.get(url)
    assert CACHE_HEADER not in response
    assert "You have signed out." in response.content.decode()
    del client.cookies["messages"]
    again = client.get(url)
    assert again[CACHE_HEADER] == "hit"
    assert "You have signed out." not in again.content.decode()


def test_an_anonymous_visitor_with_a_session_cookie_still_gets_the_cache(client, site_tree):
    url = site_tree["home"].url
    client.get(url)
    client.cookies[settings.SESSION_COOKIE_NAME] = "not-a-real-session"
    assert client.get(url)[CACHE_HEADER] == "hit"

"""Whole-page cache for anonymous visitors of the public site.

A marketing spike hits the home page and a few scan pages; those are the same for every anonymous
visitor, so the rendered response is kept in the cache and served before URL routing or any query.

What is cached: GET/HEAD answered 200 by Wagtail's page view (`wagtail_serve`) for a visitor who is
not signed in, has no pending messages, and whose response sets no cookie (a page that put a CSRF
token in a form would set one). Signed-in users always get a fresh page.

Invalidation: every key carries a generation number; publishing or unpublishing a page, publishing a
scan type, or saving the catalogue's schemes or the practice details bumps it (cms.signals), so the
next visitor gets a fresh render everywhere. CMS_PAGE_CACHE_SECONDS bounds an entry's life too (with a
per-process cache such as locmem and several workers, only the worker that handled the publish sees
the bump at once; use REDIS_URL in production).
"""

from __future__ import annotations

import hashlib
import logging

from django.conf import settings
from django.contrib.messages import get_messages
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse

logger = logging.getLogger(__name__)
GENERATION_KEY = "cms:page-cache:generation"
CACHE_HEADER = "X-Page-Cache"


def _generation() -> int:
    generation = cache.get(GENERATION_KEY)
    if generation is None:
        generation = 1
        cache.add(GENERATION_KEY, generation, None)
    return generation


def clear_page_cache() -> None:
    """Forget every cached page (cheaply: a new generation makes all old keys unreachable)."""
    try:
        cache.incr(GENERATION_KEY)
    except ValueError:
        cache.set(GENERATION_KEY, 2, None)


def _key(request: HttpRequest) -> str:
    raw = "|".join(
        [request.get_host(), request.get_full_path(), request.headers.get("HX-Request", ""), str(_generation())]
    )
    return "cms:page:" + hashlib.blake2b(raw.encode(), digest_size=16).hexdigest()


def _may_use_cache(request: HttpRequest) -> bool:
    if request.method not in ("GET", "HEAD") or request.user.is_authenticated:
        return False
    if settings.SESSION_COOKIE_NAME in request.COOKIES or "messages" in request.COOKIES:
        # a visitor with a session may have messages waiting: look (without consuming them)
        return len(get_messages(request)) == 0
    return True


class AnonymousPageCacheMiddleware:
    """Serve and store the cached pages (see the module docstring). Innermost in MIDDLEWARE."""

    def __init__(self, get_response):
        self.get_response = get_response
        self.timeout = getattr(settings, "CMS_PAGE_CACHE_SECONDS", 300)

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if self.timeout <= 0 or not _may_use_cache(request):
            return self.get_response(request)
        try:
            key = _key(request)
            cached = cache.get(key)
        except Exception:  # the cache is down (Redis unreachable): serve the page uncached, and /healthz says so
            logger.warning("page cache unavailable; serving uncached", exc_info=True)
            return self.get_response(request)
        if cached is not None:
            cached[CACHE_HEADER] = "hit"
            return cached
        response = self.get_response(request)
        if self._storable(request, response):
            response[CACHE_HEADER] = "miss"
            try:
                cache.set(key, response, self.timeout)
            except Exception:
                logger.warning("page cache unavailable; page not stored", exc_info=True)
        return response

    @staticmethod
    def _storable(request: HttpRequest, response: HttpResponse) -> bool:
        match = request.resolver_match
        if match is None or match.url_name != "wagtail_serve":
            return False
        if response.status_code != 200 or response.streaming or response.cookies:
            return False
        cache_control = response.get("Cache-Control", "")
        if "private" in cache_control or "no-store" in cache_control or "no-cache" in cache_control:
            return False
        nonce = getattr(request, "csp_nonce", None)
        if nonce and nonce.encode() in response.content:
            return False  # a per-request CSP nonce in the page: it cannot be shared
        return len(get_messages(request)) == 0

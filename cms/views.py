"""The public site's own views (the pages themselves are served by Wagtail)."""

from __future__ import annotations

import logging
import re

from django.core.paginator import Paginator
from django.db import DatabaseError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET
from wagtail.models import Page

from cms.models import ScanTypePage
from portal.catalogue.models import Modality

MAX_QUERY_LENGTH = 100
MAX_RESULTS = 200  # the public site has tens of pages; ranking happens over at most this many hits
# Search words only: quotes, brackets, stars and the like are full-text query syntax to the database
# (SQLite's FTS5 answers `"` with a syntax error), never something a visitor means.
QUERY_SYNTAX = re.compile(r"[^\w\s]+")
logger = logging.getLogger(__name__)


def _words(text: str) -> list[str]:
    return QUERY_SYNTAX.sub(" ", text).casefold().split()


def _rank(hits: list[Page], words: str) -> list[Page]:
    """The backend's relevance order, refined: first the scan pages of a modality the query names
    ("MRI", "x-ray", "xray": found even when the words differ from the title), then pages whose title
    has every word (a word or its start), then the rest.

    SQLite's full-text ranking ignores field boosts, so a home page that says "MRI" often in its body
    outranked the MRI scan pages (issue 18); this order is the same on every database."""
    terms = _words(words)
    phrase = f" {' '.join(terms)} "
    modalities = [value for value, label in Modality.choices
                  if value in terms or f" {' '.join(_words(label))} " in phrase]
    scan_pages: list[Page] = []
    if modalities:
        scan_pages = list(ScanTypePage.objects.live().public().filter(scan_type__modality__in=modalities)
                          .order_by("path"))
    first = {page.pk for page in scan_pages}

    def in_title(page: Page) -> bool:
        title = _words(page.title)
        return all(any(word.startswith(term) for word in title) for term in terms)

    rest = [page for page in hits if page.pk not in first]
    titled = [page for page in rest if in_title(page)]
    others = [page for page in rest if not in_title(page)]
    hit_order = {page.pk: position for position, page in enumerate(hits)}
    scan_pages.sort(key=lambda page: hit_order.get(page.pk, len(hits)))  # the backend's order among them
    return [*scan_pages, *titled, *others]


@require_GET
def search(request: HttpRequest) -> HttpResponse:
    """Wagtail search over the live, public pages of the site, ranked by `_rank`."""
    query = request.GET.get("q", "").strip()[:MAX_QUERY_LENGTH]
    words = " ".join(QUERY_SYNTAX.sub(" ", query).split())
    try:
        results = []
        if words:
            hits = list(Page.objects.live().public().exclude(depth=1).search(words)[:MAX_RESULTS])
            results = _rank(hits, words)
    except DatabaseError:  # a query the search backend still cannot parse: no results, not a 500
        logger.warning("search: the backend refused a query (%d characters)", len(words))
        results = []
    page_obj = Paginator(results, 10).get_page(request.GET.get("page", 1))
    return render(request, "cms/search.html", {"query": query, "results": page_obj, "search_page": True})

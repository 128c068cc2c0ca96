"""The public site's own views (the pages themselves are served by Wagtail)."""

from __future__ import annotations

import logging
import re

from django.core.paginator import EmptyPage, PageNotAnInteger, Paginator
from django.db import DatabaseError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET
from wagtail.models import Page

MAX_QUERY_LENGTH = 100
# Search words only: quotes, brackets, stars and the like are full-text query syntax to the database
# (SQLite's FTS5 answers `"` with a syntax error), never something a visitor means.
QUERY_SYNTAX = re.compile(r"[^\w\s]+")
logger = logging.getLogger(__name__)


@require_GET
def search(request: HttpRequest) -> HttpResponse:
    """Wagtail search over the live, public pages of the site."""
    query = request.GET.get("q", "").strip()[:MAX_QUERY_LENGTH]
    words = " ".join(QUERY_SYNTAX.sub(" ", query).split())
    results = Page.objects.none()
    if words:
        results = Page.objects.live().public().exclude(depth=1).search(words)
    paginator = Paginator(results, 10)
    try:
        try:
            page_obj = paginator.page(request.GET.get("page", 1))
        except (PageNotAnInteger, EmptyPage):
            page_obj = paginator.page(1)
    except DatabaseError:  # a query the search backend still cannot parse: no results, not a 500
        logger.warning("search: the backend refused a query (%d characters)", len(words))
        page_obj = Paginator(Page.objects.none(), 10).page(1)
    return render(request, "cms/search.html", {"query": query, "results": page_obj, "search_page": True})

"""The public site's own views (the pages themselves are served by Wagtail)."""

from __future__ import annotations

from django.core.paginator import EmptyPage, PageNotAnInteger, Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET
from wagtail.models import Page

MAX_QUERY_LENGTH = 100


@require_GET
def search(request: HttpRequest) -> HttpResponse:
    """Wagtail search over the live, public pages of the site."""
    query = request.GET.get("q", "").strip()[:MAX_QUERY_LENGTH]
    results = Page.objects.none()
    if query:
        results = Page.objects.live().public().exclude(depth=1).search(query)
    paginator = Paginator(results, 10)
    try:
        page_obj = paginator.page(request.GET.get("page", 1))
    except (PageNotAnInteger, EmptyPage):
        page_obj = paginator.page(1)
    return render(request, "cms/search.html", {"query": query, "results": page_obj, "search_page": True})

"""The JSON API's conventions, shared by every app's router (`portal/<app>/api.py`).

- Errors are RFC 9457 problem details (`application/problem+json`): raise `Problem`, or let the
  API's handlers (config/api.py) turn Http404, ValidationError and friends into one.
- Times are ISO 8601 with the offset of the practice's zone (`local`); money is a decimal string
  with its currency (`Money`); inputs refuse unknown fields (`Input`).
- Lists are paginated by page number with `next`/`previous` links (`Page`); reads carry an ETag and
  answer 304 to a matching If-None-Match (`etag`).
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseNotModified
from django.utils import timezone
from django.utils.cache import parse_etags
from ninja import Field, Path, Schema
from ninja.pagination import PaginationBase
from pydantic import ConfigDict

PROBLEM_CONTENT_TYPE = "application/problem+json"
MAX_ID = 2**31 - 1  # ids in paths and bodies: positive, and within every database's integer range


class Problem(Exception):
    """An error for the client, sent as problem details with `status`."""

    def __init__(self, status: int, detail: str, *, title: str = "", errors: list[dict] | None = None):
        super().__init__(detail)
        self.status = status
        self.detail = detail
        self.title = title
        self.errors = errors


class ProblemOut(Schema):
    """RFC 9457 problem details."""

    type: str = "about:blank"
    title: str
    status: int
    detail: str
    errors: list[dict[str, Any]] = Field(default_factory=list)


class Money(Schema):
    amount: str = Field(..., pattern=r"^-?\d+\.\d{2}$", examples=["120.00"])
    currency: str = Field(..., min_length=3, max_length=3, examples=["USD"])


def money(value: Decimal | None) -> dict[str, str] | None:
    if value is None:
        return None
    return {"amount": f"{Decimal(value):.2f}", "currency": settings.CURRENCY}


def local(value: dt.datetime | None) -> dt.datetime | None:
    """An aware time in the practice's zone (so it serialises with the +02:00 offset)."""
    return timezone.localtime(value) if value is not None else None


def path_id():
    """An id in the path: a whole number in range (anything else is a 422 problem, never a 500)."""
    return Path(..., ge=1, le=MAX_ID)


class Input(Schema):
    """A request body: unknown fields are refused, not ignored."""

    model_config = ConfigDict(extra="forbid")


class Page(PaginationBase):
    """Page-number pagination: `?page=2&page_size=50`, with links to the neighbouring pages."""

    class Input(Schema):
        page: int = Field(1, ge=1, le=100_000)
        page_size: int = Field(20, ge=1, le=100)

    class Output(Schema):
        count: int
        next: str | None
        previous: str | None
        items: list[Any]

    def paginate_queryset(self, queryset: QuerySet, pagination: Input, request: HttpRequest, **params: Any) -> Any:
        size = pagination.page_size
        offset = (pagination.page - 1) * size
        count = self._items_count(queryset)
        items = list(queryset[offset:offset + size])

        def link(page: int) -> str:
            query = request.GET.copy()
            query["page"] = str(page)
            query["page_size"] = str(size)
            return request.build_absolute_uri(f"{request.path}?{query.urlencode()}")

        return {
            "count": count,
            "next": link(pagination.page + 1) if offset + size < count else None,
            "previous": link(pagination.page - 1) if pagination.page > 1 else None,
            "items": items,
        }


def etag(run):
    """Wrap an operation: a GET answered 200 gets a strong ETag of its body; a matching
    If-None-Match gets 304 Not Modified (the body is still computed: the check is on content)."""

    @functools.wraps(run)
    def wrapped(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        response = run(request, *args, **kwargs)
        if request.method not in ("GET", "HEAD") or response.status_code != 200 or response.streaming:
            return response
        if not response.has_header("ETag"):
            response["ETag"] = f'"{hashlib.sha256(response.content).hexdigest()[:32]}"'
        wanted = parse_etags(request.headers.get("If-None-Match", ""))
        if response["ETag"] in wanted or "*" in wanted:
            not_modified = HttpResponseNotModified()
            for header in ("ETag", "Cache-Control", "Vary"):
                if response.has_header(header):
                    not_modified[header] = response[header]
            return not_modified
        response.setdefault("Cache-Control", "private, no-cache")
        return response

    return wrapped

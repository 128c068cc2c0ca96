"""FHIR search parameters: parsing and applying them to a queryset; searchset Bundles with links.

Pure parsing where it can be; an unsupported parameter or a bad value is a 400 OperationOutcome.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from django.conf import settings
from django.db.models import QuerySet
from django.http import HttpRequest, QueryDict
from django.utils import timezone

from portal.core.clock import practice_tz
from portal.fhir.http import FhirError

# Result parameters every search accepts, on top of a resource's own.
COMMON = {"_count", "_offset", "_format"}
DEFAULT_COUNT = 20
MAX_COUNT = 100
PREFIXES = {"eq", "ge", "le", "gt", "lt"}
_DATE = re.compile(r"^(?P<prefix>[a-z]{2})?(?P<value>\d{4}-\d{2}-\d{2}(T.+)?)$")


@dataclass(frozen=True)
class DateBound:
    prefix: str
    start: dt.datetime  # the value's period: [start, end)
    end: dt.datetime


def parse_date(raw: str, name: str) -> DateBound:
    """`ge2026-12-01`, `le2026-12-31T23:59:59+02:00`, `2026-12-03` (the whole local day)..."""
    match = _DATE.match(raw.strip())
    if not match or (match["prefix"] and match["prefix"] not in PREFIXES):
        raise FhirError(400, "invalid", f"{name}: '{raw}' is not a date search value (e.g. ge2026-12-01).")
    prefix, value = match["prefix"] or "eq", match["value"]
    tz = practice_tz()
    try:
        if "T" in value:
            start = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
            if start.tzinfo is None:
                start = start.replace(tzinfo=tz)
            end = start + dt.timedelta(seconds=1)
        else:
            day = dt.date.fromisoformat(value)
            start = dt.datetime.combine(day, dt.time.min, tzinfo=tz)
            end = start + dt.timedelta(days=1)
    except (ValueError, OverflowError) as exc:
        raise FhirError(400, "invalid", f"{name}: '{raw}' is not a valid date.") from exc
    return DateBound(prefix, start, end)


def filter_dates(qs: QuerySet, field: str, values: list[str], name: str) -> QuerySet:
    for raw in values:
        bound = parse_date(raw, name)
        if bound.prefix == "eq":
            qs = qs.filter(**{f"{field}__gte": bound.start, f"{field}__lt": bound.end})
        elif bound.prefix == "ge":
            qs = qs.filter(**{f"{field}__gte": bound.start})
        elif bound.prefix == "gt":
            qs = qs.filter(**{f"{field}__gte": bound.end})
        elif bound.prefix == "le":
            qs = qs.filter(**{f"{field}__lt": bound.end})
        else:  # lt
            qs = qs.filter(**{f"{field}__lt": bound.start})
    return qs


def reference_id(raw: str, resource_type: str, name: str) -> int:
    """`123` or `Patient/123` -> 123."""
    value = raw.strip()
    if value.startswith(f"{resource_type}/"):
        value = value[len(resource_type) + 1:]
    if not value.isdigit() or len(value) > 12:
        raise FhirError(400, "invalid", f"{name}: '{raw}' is not a {resource_type} reference "
                                        f"(e.g. {resource_type}/12).")
    return int(value)


def check_params(params: QueryDict, supported: set[str], resource_type: str) -> None:
    unknown = sorted(set(params) - supported - COMMON)
    if unknown:
        raise FhirError(400, "not-supported", f"{resource_type} search does not support: {', '.join(unknown)}. "
                                              f"Supported: {', '.join(sorted(supported | COMMON))}.")
    fmt = params.get("_format")
    if fmt and fmt not in ("json", "application/json", "application/fhir+json"):
        raise FhirError(400, "not-supported", "Only JSON is supported (_format=json).")


def paging(params: QueryDict) -> tuple[int, int]:
    def number(name: str, default: int, low: int, high: int) -> int:
        raw = params.get(name)
        if raw is None:
            return default
        if not raw.isdigit() or not low <= int(raw) <= high:
            raise FhirError(400, "invalid", f"{name} must be a whole number from {low} to {high}.")
        return int(raw)

    return number("_count", DEFAULT_COUNT, 1, MAX_COUNT), number("_offset", 0, 0, 10_000_000)


def searchset(request: HttpRequest, resources: list[dict], total: int, count: int, offset: int) -> dict:
    """A searchset Bundle with self/next/previous links that keep the search's parameters."""

    def link(relation: str, new_offset: int) -> dict:
        query = request.GET.copy()
        query["_count"] = str(count)
        query["_offset"] = str(new_offset)
        return {"relation": relation, "url": request.build_absolute_uri(f"{request.path}?{query.urlencode()}")}

    links = [link("self", offset)]
    if offset + count < total:
        links.append(link("next", offset + count))
    if offset > 0:
        links.append(link("previous", max(0, offset - count)))
    base = request.build_absolute_uri(request.path).rstrip("/").rsplit("/", 1)[0]
    return {
        "resourceType": "Bundle",
        "type": "searchset",
        "timestamp": timezone.localtime().isoformat(timespec="seconds"),
        "total": total,
        "link": links,
        "entry": [{"fullUrl": f"{base}/{r['resourceType']}/{r['id']}", "resource": r, "search": {"mode": "match"}}
                  for r in resources],
    }


def system(name: str) -> str:
    """A stable identifier system of this practice (settings.FHIR_BASE_SYSTEM)."""
    return f"{settings.FHIR_BASE_SYSTEM.rstrip('/')}/{name}"

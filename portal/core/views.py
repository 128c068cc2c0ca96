from __future__ import annotations

import logging

from django.core.cache import cache
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from portal.core.health import pacs_status, worker_status

logger = logging.getLogger(__name__)


@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    """Does the database answer? Does the cache? 200 when both do, 503 otherwise.

    Also reported, without changing the status code (the web tier still serves): the task worker's
    last heartbeat, and the PACS (Orthanc) when PACS_URL is set. "status" is then "degraded"."""
    checks = {}
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
        checks["database"] = "ok"
    except Exception as exc:  # noqa: BLE001 - any failure is a failed check
        logger.warning("healthz: database check failed: %s", type(exc).__name__)
        checks["database"] = "error"
    try:
        cache.set("healthz", "1", 5)
        checks["cache"] = "ok" if cache.get("healthz") == "1" else "error"
    except Exception as exc:  # noqa: BLE001
        logger.warning("healthz: cache check failed: %s", type(exc).__name__)
        checks["cache"] = "error"
    healthy = all(value == "ok" for value in checks.values())
    status = "ok" if healthy else "error"
    extra = {}
    if checks["database"] == "ok":
        extra["worker"] = worker_status()
    pacs = pacs_status()
    if pacs is not None:
        extra["pacs"] = pacs
    if healthy and (extra.get("worker", {}).get("status") != "ok" or extra.get("pacs", "ok") != "ok"):
        status = "degraded"
    return JsonResponse({"status": status, **checks, **extra}, status=200 if healthy else 503)


@require_GET
def robots_txt(request: HttpRequest) -> HttpResponse:
    lines = [
        "User-agent: *",
        "Disallow: /admin/",
        "Disallow: /django-admin/",
        "Disallow: /accounts/",
        "Disallow: /appointments/",
        "Disallow: /reports/",
        "Disallow: /analytics/",
        f"Sitemap: {request.build_absolute_uri('/sitemap.xml')}",
    ]
    return HttpResponse("\n".join(lines) + "\n", content_type="text/plain")

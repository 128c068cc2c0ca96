"""The versioned JSON API (/api/v1/): one django-ninja router per app, mounted here.

Errors leave as RFC 9457 problem details whatever raised them; the OpenAPI document says so
(every 4xx response is `application/problem+json` with the ProblemOut schema).
"""

from __future__ import annotations

import json

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, Throttled
from ninja.errors import ValidationError as SchemaValidationError

from portal.core.api import PROBLEM_CONTENT_TYPE, Problem, etag
from portal.core.files import StorageFull

TITLES = {400: "Bad request", 401: "Not signed in", 403: "Forbidden", 404: "Not found", 405: "Method not allowed",
          409: "Conflict", 412: "Precondition failed", 422: "Invalid input", 429: "Too many requests",
          503: "Service unavailable"}
STORAGE_FULL_RETRY_AFTER = "300"  # seconds: a full disk is not freed in a moment


def problem(status: int, detail: str, *, title: str = "", errors: list | None = None) -> HttpResponse:
    body = {"type": "about:blank", "title": title or TITLES.get(status, "Error"), "status": status,
            "detail": detail, "errors": errors or []}
    return HttpResponse(json.dumps(body), status=status, content_type=PROBLEM_CONTENT_TYPE)


class PortalAPI(NinjaAPI):
    def get_openapi_schema(self, *args, **kwargs):
        schema = super().get_openapi_schema(*args, **kwargs)
        problem_ref = {PROBLEM_CONTENT_TYPE: {"schema": {"$ref": "#/components/schemas/ProblemOut"}}}
        for path in schema.get("paths", {}).values():
            for operation in path.values():
                responses = operation.setdefault("responses", {})
                # What any operation may answer: invalid input, and without a valid token, 401.
                responses.setdefault(422, {"description": "Invalid input", "content": problem_ref})
                if operation.get("security"):
                    responses.setdefault(401, {"description": "Not signed in", "content": problem_ref})
                for code, response in responses.items():
                    content = response.get("content", {})
                    if str(code)[:1] in ("4", "5") and "application/json" in content:
                        content[PROBLEM_CONTENT_TYPE] = content.pop("application/json")
        return schema


api = PortalAPI(
    title="Radiology portal API",
    version="1",
    description="The patient app's API. Sign in with allauth's app API (/_allauth/app/v1/auth/login) "
                "and send the session token as X-Session-Token.",
    urls_namespace="api_v1",
    openapi_url="/openapi.json",
    docs_url="/docs",
)
api.add_decorator(etag, mode="view")


@api.exception_handler(Problem)
def _problem(request: HttpRequest, exc: Problem) -> HttpResponse:
    return problem(exc.status, exc.detail, title=exc.title, errors=exc.errors)


@api.exception_handler(Http404)
def _not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
    return problem(404, str(exc) or "Not found.")


@api.exception_handler(PermissionDenied)
def _forbidden(request: HttpRequest, exc: PermissionDenied) -> HttpResponse:
    return problem(403, str(exc) or "You may not do this.")


@api.exception_handler(ValidationError)
def _invalid(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    return problem(400, " ".join(exc.messages))


@api.exception_handler(StorageFull)
def _storage_full(request: HttpRequest, exc: StorageFull) -> HttpResponse:
    """The private-files disk is full: the server's condition, not the client's input; nothing was stored."""
    response = problem(503, " ".join(exc.messages))
    response["Retry-After"] = STORAGE_FULL_RETRY_AFTER
    return response


@api.exception_handler(SchemaValidationError)
def _schema_invalid(request: HttpRequest, exc: SchemaValidationError) -> HttpResponse:
    errors = [{"loc": [str(p) for p in e.get("loc", ())], "msg": e.get("msg", ""), "type": e.get("type", "")}
              for e in exc.errors]
    detail = "; ".join(f"{'.'.join(e['loc'][1:]) or e['loc'][0] if e['loc'] else 'body'}: {e['msg']}" for e in errors)
    return problem(422, detail or "The request is not valid.", errors=errors)


@api.exception_handler(AuthenticationError)
def _unauthenticated(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    response = problem(401, "A valid session token is needed (X-Session-Token); it may have expired or been "
                            "signed out.")
    response["WWW-Authenticate"] = 'Token realm="api", header="X-Session-Token"'
    return response


@api.exception_handler(Throttled)
def _throttled(request: HttpRequest, exc: Throttled) -> HttpResponse:
    return problem(429, "Too many requests. Please wait a moment.")


@api.exception_handler(HttpError)
def _http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    return problem(exc.status_code, str(exc))


def not_found(request: HttpRequest, rest: str = "") -> HttpResponse:
    """Any other path under /api/v1/: a problem, not the website's HTML page."""
    return problem(404, "There is no such API endpoint. See /api/v1/openapi.json.")


def _mount() -> None:
    from cms.api import router as practice_router
    from portal.accounts.api import router as accounts_router
    from portal.booking.api import router as booking_router
    from portal.catalogue.api import router as catalogue_router
    from portal.feedback.api import router as feedback_router
    from portal.notifications.api import router as notifications_router
    from portal.referrals.api import router as referrals_router
    from portal.reports.api import router as reports_router

    api.add_router("/", accounts_router)
    api.add_router("/", practice_router)
    api.add_router("/", catalogue_router)
    api.add_router("/", booking_router)
    api.add_router("/", referrals_router)
    api.add_router("/", reports_router)
    api.add_router("/", feedback_router)
    api.add_router("/", notifications_router)


_mount()

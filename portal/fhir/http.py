"""FHIR's HTTP conventions: application/fhir+json, OperationOutcome errors, token sign-in."""

from __future__ import annotations

import functools
import json

from django.http import Http404, HttpRequest, HttpResponse
from django.views.decorators.csrf import csrf_exempt
from fhir.resources.R4B.operationoutcome import OperationOutcome

from portal.accounts.tokens import user_from_token

FHIR_JSON = "application/fhir+json"


class FhirError(Exception):
    """An error answered with an OperationOutcome."""

    def __init__(self, status: int, code: str, diagnostics: str):
        super().__init__(diagnostics)
        self.status = status
        self.code = code
        self.diagnostics = diagnostics


def fhir_response(resource: dict, status: int = 200) -> HttpResponse:
    response = HttpResponse(json.dumps(resource, separators=(",", ":")), status=status,
                            content_type=f"{FHIR_JSON}; charset=utf-8")
    response["Cache-Control"] = "private, no-store"
    return response


def outcome(status: int, code: str, diagnostics: str) -> HttpResponse:
    resource = OperationOutcome(issue=[{"severity": "error", "code": code, "diagnostics": diagnostics}])
    return fhir_response(resource.model_dump(mode="json", exclude_none=True), status=status)


def fhir_view(*, public: bool = False):
    """A GET-only FHIR endpoint: the app token (X-Session-Token or Authorization: Bearer) signs in;
    errors become OperationOutcomes with the right status."""

    def decorate(view):
        @csrf_exempt
        @functools.wraps(view)
        def wrapped(request: HttpRequest, *args, **kwargs) -> HttpResponse:
            if request.method not in ("GET", "HEAD"):
                response = outcome(405, "not-supported", "This server is read-only: only GET is supported.")
                response["Allow"] = "GET, HEAD"
                return response
            if not public and user_from_token(request) is None:
                response = outcome(401, "login", "A valid session token is needed (Authorization: Bearer <token> "
                                                 "or X-Session-Token); it may have expired or been signed out.")
                response["WWW-Authenticate"] = 'Bearer realm="fhir"'
                return response
            try:
                return view(request, *args, **kwargs)
            except FhirError as exc:
                return outcome(exc.status, exc.code, exc.diagnostics)
            except Http404:
                return outcome(404, "not-found", "No such resource, or not one you may read.")

        return wrapped

    return decorate

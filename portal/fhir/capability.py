"""The CapabilityStatement: exactly what this server supports (GET /fhir/r4/metadata)."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone
from fhir.resources.R4B.capabilitystatement import CapabilityStatement

COMMON = [
    {"name": "_count", "type": "number", "documentation": "Page size (1-100, default 20)"},
    {"name": "_offset", "type": "number", "documentation": "Where the page starts (the next link sets it)"},
]
LAST_UPDATED = {"name": "_lastUpdated", "type": "date"}
PATIENT = {"name": "patient", "type": "reference", "documentation": "Patient/<id> or <id>"}
SEARCH = {
    "Patient": [{"name": "_id", "type": "token"}],
    "Practitioner": [{"name": "_id", "type": "token"}],
    "Appointment": [PATIENT, {"name": "date", "type": "date", "documentation": "start; eq, ge, gt, le, lt"},
                    {"name": "status", "type": "token"}, LAST_UPDATED],
    "ServiceRequest": [PATIENT, {"name": "authored", "type": "date"}, {"name": "status", "type": "token"},
                       LAST_UPDATED],
    "DiagnosticReport": [PATIENT, {"name": "date", "type": "date", "documentation": "effective (scan) time"},
                         {"name": "status", "type": "token", "documentation": "final or amended"}, LAST_UPDATED],
    "ImagingStudy": [PATIENT, {"name": "started", "type": "date", "documentation": "the appointment's start"},
                     LAST_UPDATED],
}


def capability_statement(request: HttpRequest) -> dict:
    base = request.build_absolute_uri(reverse("fhir:metadata")).removesuffix("metadata").rstrip("/")
    resources = [
        {"type": name, "interaction": [{"code": "read"}, {"code": "search-type"}],
         "searchParam": params + COMMON}
        for name, params in SEARCH.items()
    ]
    resources.append({"type": "Binary", "interaction": [{"code": "read"}],
                      "documentation": "Report PDFs (Binary/report-<DiagnosticReport id>)"})
    statement = CapabilityStatement(
        status="active",
        date=timezone.localtime().isoformat(timespec="seconds"),
        publisher=settings.WAGTAIL_SITE_NAME,
        kind="instance",
        software={"name": "Radiology portal"},
        implementation={"description": f"{settings.WAGTAIL_SITE_NAME} FHIR R4 (read only)", "url": base},
        fhirVersion="4.0.1",
        format=["json"],
        rest=[{
            "mode": "server",
            "documentation": "Read-only. Authenticate with the session token from the portal's app sign-in "
                             "(Authorization: Bearer <token>). Patients read their own records; referring "
                             "doctors their referred patients; staff with FHIR export everything.",
            "security": {"cors": False, "description": "Bearer session token (allauth app session)"},
            "resource": resources,
        }],
    )
    return statement.model_dump(mode="json", exclude_none=True)

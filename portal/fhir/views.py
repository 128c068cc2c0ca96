"""FHIR R4 read and search over the domain's selectors, scoped to the token's user:

- a patient sees their own records;
- a verified referring doctor sees the patients they referred, those referrals and appointments,
  and the reports the reports app lets them read;
- staff with the "FHIR export" permission (fhir.export_fhir) see everything.

Every read is in the audit trail (core.audit, with the ids returned) and every report read is also
in the report's own access log ("via FHIR").
"""

from __future__ import annotations

from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.urls import reverse

from portal.accounts.permissions import is_verified_doctor
from portal.accounts.selectors import patient_list_visible_to, practitioner_list
from portal.booking.selectors import appointment_list_visible_to
from portal.fhir import resources
from portal.fhir.capability import capability_statement
from portal.fhir.http import FhirError, fhir_response, fhir_view
from portal.fhir.search import check_params, filter_dates, paging, reference_id, searchset
from portal.imaging.selectors import study_list_visible_to
from portal.referrals.selectors import referral_list_visible_to
from portal.reports import services as report_services
from portal.reports.models import ReportAccess
from portal.reports.selectors import report_list_readable_by

VIA = ReportAccess.Via.FHIR


def _everything(user) -> bool:
    return user.has_perm("fhir.export_fhir")


def _referred(user) -> tuple[QuerySet | None, QuerySet | None]:
    """A verified doctor's referred patient ids and appointment ids (None for anyone else)."""
    if not is_verified_doctor(user):
        return None, None
    mine = referral_list_visible_to(user=user)
    return mine.values("patient_id"), mine.filter(appointment__isnull=False).values("appointment_id")


def _patients(user) -> QuerySet:
    patient_ids, _ = _referred(user)
    return patient_list_visible_to(user=user, everything=_everything(user), also=patient_ids).order_by("pk")


def _appointments(user) -> QuerySet:
    _, appointment_ids = _referred(user)
    return appointment_list_visible_to(user=user, everything=_everything(user), also=appointment_ids).order_by("pk")


def _referrals(user) -> QuerySet:
    return referral_list_visible_to(user=user, everything=_everything(user)).order_by("pk")


def _reports(user) -> QuerySet:
    return report_list_readable_by(user=user, everything=_everything(user)).order_by("pk")


def _audit(request: HttpRequest, resource_type: str, ids: list) -> None:
    request.audit_object_ids = {resource_type: ",".join(str(i) for i in ids)[:2000]}


def _one(qs: QuerySet, resource_id: str):
    if not resource_id.isdigit() or len(resource_id) > 12:
        raise Http404
    obj = qs.filter(pk=int(resource_id)).first()
    if obj is None:
        raise Http404
    return obj


def _search(request: HttpRequest, qs: QuerySet, build, resource_type: str):
    count, offset = paging(request.GET)
    total = qs.count()
    page = list(qs[offset:offset + count])
    _audit(request, resource_type, [obj.pk for obj in page])
    return page, searchset(request, [build(obj) for obj in page], total, count, offset)


def _filter_patient(request: HttpRequest, qs: QuerySet, field: str) -> QuerySet:
    for raw in request.GET.getlist("patient"):
        qs = qs.filter(**{field: reference_id(raw, "Patient", "patient")})
    return qs


def _filter_status(request: HttpRequest, qs: QuerySet, mapping: dict[str, str], field: str = "status") -> QuerySet:
    raw = request.GET.get("status")
    if raw is None:
        return qs
    wanted = {v.strip() for v in raw.split(",") if v.strip()}
    known = set(mapping.values())
    if not wanted or not wanted <= known:
        raise FhirError(400, "invalid", f"status must be one of: {', '.join(sorted(known))}.")
    return qs.filter(**{f"{field}__in": [ours for ours, theirs in mapping.items() if theirs in wanted]})


def _last_updated(request: HttpRequest, qs: QuerySet) -> QuerySet:
    return filter_dates(qs, "updated_at", request.GET.getlist("_lastUpdated"), "_lastUpdated")


@fhir_view(public=True)
def metadata(request: HttpRequest) -> HttpResponse:
    return fhir_response(capability_statement(request))


# --- Patient ------------------------------------------------------------------------------------

@fhir_view()
def patient_search(request: HttpRequest) -> HttpResponse:
    check_params(request.GET, {"_id"}, "Patient")
    qs = _patients(request.user)
    for raw in request.GET.getlist("_id"):
        qs = qs.filter(pk=reference_id(raw, "Patient", "_id"))
    return fhir_response(_search(request, qs, resources.patient, "Patient")[1])


@fhir_view()
def patient_read(request: HttpRequest, resource_id: str) -> HttpResponse:
    user = _one(_patients(request.user), resource_id)
    _audit(request, "Patient", [user.pk])
    return fhir_response(resources.patient(user))


# --- Practitioner (professional details, any signed-in user) -----------------------------------

@fhir_view()
def practitioner_search(request: HttpRequest) -> HttpResponse:
    check_params(request.GET, {"_id"}, "Practitioner")
    qs = practitioner_list().order_by("pk")
    for raw in request.GET.getlist("_id"):
        qs = qs.filter(pk=reference_id(raw, "Practitioner", "_id"))
    return fhir_response(_search(request, qs, resources.practitioner, "Practitioner")[1])


@fhir_view()
def practitioner_read(request: HttpRequest, resource_id: str) -> HttpResponse:
    return fhir_response(resources.practitioner(_one(practitioner_list(), resource_id)))


# --- Appointment --------------------------------------------------------------------------------

def _appointment_filters(request: HttpRequest) -> QuerySet:
    check_params(request.GET, {"patient", "date", "status", "_lastUpdated"}, "Appointment")
    qs = _filter_patient(request, _appointments(request.user), "patient_id")
    qs = filter_dates(qs, "start", request.GET.getlist("date"), "date")
    qs = _filter_status(request, qs, resources.APPOINTMENT_STATUS)
    return _last_updated(request, qs)


@fhir_view()
def appointment_search(request: HttpRequest) -> HttpResponse:
    return fhir_response(_search(request, _appointment_filters(request), resources.appointment, "Appointment")[1])


@fhir_view()
def appointment_read(request: HttpRequest, resource_id: str) -> HttpResponse:
    appointment = _one(_appointments(request.user), resource_id)
    _audit(request, "Appointment", [appointment.pk])
    return fhir_response(resources.appointment(appointment))


# --- ServiceRequest (the referral) ---------------------------------------------------------------

@fhir_view()
def service_request_search(request: HttpRequest) -> HttpResponse:
    check_params(request.GET, {"patient", "authored", "status", "_lastUpdated"}, "ServiceRequest")
    qs = _filter_patient(request, _referrals(request.user), "patient_id")
    qs = filter_dates(qs, "created_at", request.GET.getlist("authored"), "authored")
    qs = _filter_status(request, qs, resources.REFERRAL_STATUS)
    qs = _last_updated(request, qs)
    return fhir_response(_search(request, qs, resources.service_request, "ServiceRequest")[1])


@fhir_view()
def service_request_read(request: HttpRequest, resource_id: str) -> HttpResponse:
    referral = _one(_referrals(request.user), resource_id)
    _audit(request, "ServiceRequest", [referral.pk])
    return fhir_response(resources.service_request(referral))


# --- DiagnosticReport (signed reports) -----------------------------------------------------------

def _report_resource(request: HttpRequest, visible_referrals: QuerySet):
    based_on: dict[int, list[int]] = {}

    def build(report) -> dict:
        url = request.build_absolute_uri(reverse("fhir:binary_read", args=[f"report-{report.pk}"]))
        return resources.diagnostic_report(report, pdf_url=url, based_on=based_on.get(report.appointment_id, []))

    def prefetch(reports: list) -> None:
        rows = visible_referrals.filter(appointment_id__in=[r.appointment_id for r in reports])
        for pk, appointment_id in rows.values_list("pk", "appointment_id"):
            based_on.setdefault(appointment_id, []).append(pk)

    return build, prefetch


@fhir_view()
def diagnostic_report_search(request: HttpRequest) -> HttpResponse:
    check_params(request.GET, {"patient", "date", "status", "_lastUpdated"}, "DiagnosticReport")
    qs = _filter_patient(request, _reports(request.user), "appointment__patient_id")
    qs = filter_dates(qs, "appointment__start", request.GET.getlist("date"), "date")
    raw_status = request.GET.get("status")
    if raw_status is not None:
        wanted = {v.strip() for v in raw_status.split(",")}
        if not wanted <= {"final", "amended"}:
            raise FhirError(400, "invalid", "status must be final or amended (only signed reports are shared).")
        if wanted == {"final"}:
            qs = qs.filter(version=1)
        elif wanted == {"amended"}:
            qs = qs.filter(version__gt=1)
    qs = _last_updated(request, qs)
    count, offset = paging(request.GET)
    total = qs.count()
    page = list(qs[offset:offset + count])
    build, prefetch = _report_resource(request, _referrals(request.user))
    prefetch(page)
    if page:
        report_services.report_record_accesses(reports=page, user=request.user, action=ReportAccess.Action.VIEW,
                                               request=request, via=VIA)
    _audit(request, "DiagnosticReport", [r.pk for r in page])
    return fhir_response(searchset(request, [build(r) for r in page], total, count, offset))


@fhir_view()
def diagnostic_report_read(request: HttpRequest, resource_id: str) -> HttpResponse:
    report = _one(_reports(request.user), resource_id)
    build, prefetch = _report_resource(request, _referrals(request.user))
    prefetch([report])
    report_services.report_record_access(report=report, user=request.user, action=ReportAccess.Action.VIEW,
                                         request=request, via=VIA)
    _audit(request, "DiagnosticReport", [report.pk])
    return fhir_response(build(report))


@fhir_view()
def binary_read(request: HttpRequest, resource_id: str) -> HttpResponse:
    """A report's signed PDF: raw with `Accept: application/pdf`, else a Binary resource."""
    if not resource_id.startswith("report-"):
        raise Http404
    report = _one(_reports(request.user), resource_id.removeprefix("report-"))
    data = report_services.report_pdf_bytes_verified(report)
    if data is None:
        raise FhirError(404, "not-found", "The report's PDF is not available.")
    report_services.report_record_access(report=report, user=request.user, action=ReportAccess.Action.DOWNLOAD,
                                         request=request, via=VIA)
    _audit(request, "Binary", [report.pk])
    if "application/pdf" in request.headers.get("Accept", ""):
        response = HttpResponse(data, content_type="application/pdf")
        response["Cache-Control"] = "private, no-store"
        return response
    return fhir_response(resources.binary_pdf(data))




# --- ImagingStudy (metadata of linked studies; the images themselves are read in the portal) -----

def _studies(request: HttpRequest) -> list:
    check_params(request.GET, {"patient", "started", "_lastUpdated"}, "ImagingStudy")
    qs = study_list_visible_to(user=request.user, appointments=_appointments(request.user),
                               everything=_everything(request.user))
    qs = _filter_patient(request, qs, "appointment__patient_id")
    qs = filter_dates(qs, "appointment__start", request.GET.getlist("started"), "started")
    return _last_updated(request, qs)


@fhir_view()
def imaging_study_search(request: HttpRequest) -> HttpResponse:
    return fhir_response(_search(request, _studies(request), resources.imaging_study, "ImagingStudy")[1])


@fhir_view()
def imaging_study_read(request: HttpRequest, resource_id: str) -> HttpResponse:
    study = _one(study_list_visible_to(user=request.user, appointments=_appointments(request.user),
                                       everything=_everything(request.user)), resource_id)
    _audit(request, "ImagingStudy", [study.pk])
    return fhir_response(resources.imaging_study(study))

"""Share links: the patient makes and revokes them; the recipient opens one without an account.

The shared pages show that one report and nothing else: their own layout, no portal navigation,
never cached, never indexed, no referrer sent on.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from portal.accounts.permissions import can
from portal.imaging import pacs
from portal.imaging import panels as imaging_panels
from portal.imaging import selectors as imaging_selectors
from portal.reports import selectors, services, sharing
from portal.reports.forms import ShareCodeForm, ShareForm
from portal.reports.models import ReportAccess

STATE_MESSAGES = {
    "expired": "This link has expired.",
    "revoked": "This link was withdrawn by the person who shared it.",
    "locked": "This link is locked after too many wrong access codes.",
}


def _session_key(share) -> str:
    return f"report_share_ok:{share.pk}"


def _private(response: HttpResponse) -> HttpResponse:
    response["Cache-Control"] = "private, no-store"
    response["X-Robots-Tag"] = "noindex, nofollow"
    response["Referrer-Policy"] = "no-referrer"
    return response


@never_cache
def share(request: HttpRequest, pk: int) -> HttpResponse:
    """The patient's share page for one report: make a link, see and revoke the links made."""
    report = selectors.report_for_reading(user=request.user, pk=pk)
    if not can(request.user, "reports.share", report):
        raise PermissionDenied
    form_kwargs = {"max_days": settings.REPORT_SHARE_MAX_DAYS, "default_days": settings.REPORT_SHARE_DEFAULT_DAYS}
    form = ShareForm(request.POST or None, **form_kwargs)
    link = None
    if request.method == "POST" and form.is_valid():
        phone = form.cleaned_data["phone"]
        try:
            made, token = sharing.report_share_create(
                report=report, by=request.user, recipient_name=form.cleaned_data["recipient_name"],
                days=form.cleaned_data["days"], phone=phone.as_e164 if phone else "",
            )
        except ValidationError as exc:
            form.add_error(None, " ".join(exc.messages))
        else:
            link = request.build_absolute_uri(reverse("reports:shared", args=[token]))
            messages.success(request, f"Link made for {made.recipient_name}. Copy it now: it is shown only once."
                             + (" The access code was sent by SMS." if made.needs_code else ""))
            form = ShareForm(**form_kwargs)
    now = timezone.now()
    shares = [{"share": s, "state": s.state(now)} for s in sharing.shares_for(user=request.user, report=report)]
    return render(request, "reports/share.html",
                  {"report": report, "appointment": report.appointment, "form": form, "link": link, "shares": shares},
                  status=400 if request.method == "POST" and form.errors else 200)


@require_POST
def share_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    made = sharing.share_get_for(user=request.user, pk=pk)
    sharing.report_share_revoke(share=made, by=request.user)
    messages.success(request, f"The link for {made.recipient_name} no longer opens the report.")
    return redirect("reports:share", pk=made.report_id)


def _open(request: HttpRequest, token: str):
    """The share and its state; the report only when the link may be opened now."""
    made = sharing.share_get_by_token(token=token)
    state = made.state(timezone.now())
    if state == "active" and made.needs_code and not request.session.get(_session_key(made)):
        state = "code"
    return made, state


@never_cache
def shared(request: HttpRequest, token: str) -> HttpResponse:
    made, state = _open(request, token)
    if state in STATE_MESSAGES:
        return _private(render(request, "reports/shared/closed.html", {"message": STATE_MESSAGES[state]}, status=410))
    if state == "code":
        form = ShareCodeForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            if sharing.report_share_check_code(share=made, code=form.cleaned_data["code"]):
                request.session.cycle_key()
                request.session[_session_key(made)] = True
                return redirect(request.path)
            sharing.report_share_record_open(share=made, report=made.report, action=ReportAccess.Action.DENIED,
                                             request=request)
            made.refresh_from_db()
            if made.state(timezone.now()) == "locked":
                return _private(render(request, "reports/shared/closed.html", {"message": STATE_MESSAGES["locked"]},
                                       status=410))
            form.add_error("code", "That code is not right. Please check the text message and try again.")
        return _private(render(request, "reports/shared/code.html", {"form": form, "share": made},
                               status=400 if form.errors else 200))
    report = sharing.shared_report(made)
    sharing.report_share_record_open(share=made, report=report, action=ReportAccess.Action.VIEW, request=request)
    return _private(render(request, "reports/shared/report.html", {
        "report": report, "appointment": report.appointment, "share": made, "token": token,
        "images": _shared_images(report, token),
    }))


# --- The report's images through the link (where the imaging app has them) ----------------------


def _shared_images(report, token: str) -> dict | None:
    """The images section of the shared page: each linked study with its series thumbnails, all
    links through this share; None when the appointment has no images."""
    studies = imaging_selectors.studies_for_share(appointment_id=report.appointment_id)
    if not studies:
        return None
    return {
        "enabled": pacs.enabled(), "pacs_up": imaging_panels.pacs_up() if pacs.enabled() else None,
        "studies": [{"study": study, "series_list": imaging_panels.study_thumbnails(
            study,
            series_url=lambda series_id, pk=study.pk: reverse("reports:shared_series", args=[token, pk, series_id]),
            preview_url=lambda instance_id, pk=study.pk: reverse("reports:shared_image",
                                                                 args=[token, pk, instance_id, "preview"]),
        )} for study in studies],
    }


def _shared_study(request: HttpRequest, token: str, study_pk: int):
    """(share, report, study) for an open link whose report's appointment has this study; Http404
    for anything else (a closed link's images answer as if they did not exist)."""
    made, state = _open(request, token)
    if state != "active":
        raise Http404("No such images.")
    return (made, *_study_of(made, study_pk))


def _study_of(made, study_pk: int):
    report = sharing.shared_report(made)
    study = next((s for s in imaging_selectors.studies_for_share(appointment_id=report.appointment_id)
                  if s.pk == study_pk), None)
    if study is None:
        raise Http404("No such images.")
    return report, study


@never_cache
def shared_series(request: HttpRequest, token: str, study_pk: int, series_id: str) -> HttpResponse:
    made, state = _open(request, token)
    if state != "active":
        return redirect("reports:shared", token=token)  # which says why (expired, revoked, code needed)
    report, study = _study_of(made, study_pk)
    item = study.series_by_id(series_id)
    if item is None or not item.get("instances"):
        raise Http404("No such series.")
    sharing.report_share_record_open(share=made, report=report, action=ReportAccess.Action.IMAGES, request=request)
    viewer = imaging_panels.series_viewer(
        item, request.GET, frame_url=lambda i: reverse("reports:shared_image", args=[token, study.pk, i, "frame"]))
    return _private(render(request, "reports/shared/series.html", {
        "report": report, "share": made, "token": token, "study": study, **viewer,
        "enabled": pacs.enabled(), "pacs_up": imaging_panels.pacs_up(),
    }))


def shared_image(request: HttpRequest, token: str, study_pk: int, instance_id: str, kind: str) -> HttpResponse:
    """One server-rendered JPEG of the shared study (the series page that shows it is recorded)."""
    if kind not in ("preview", "frame"):
        raise Http404("No such image.")
    _made, _report, study = _shared_study(request, token, study_pk)
    if not study.has_instance(instance_id):
        raise Http404("No such image.")
    series = next((s for s in study.series if instance_id in (s.get("instances") or [])), {})
    window = imaging_panels.window_for(series, request.GET.get("window", ""))
    try:
        data, content_type = pacs.instance_rendered(instance_id, preview=kind == "preview", window=window)
    except pacs.PacsUnavailable:
        return _private(HttpResponse("Images are temporarily unavailable.", status=503, content_type="text/plain"))
    content_type = content_type if content_type.startswith("image/") else "image/jpeg"
    return _private(HttpResponse(data, content_type=content_type))


@never_cache
def shared_images_download(request: HttpRequest, token: str, study_pk: int) -> HttpResponse:
    """The shared study as DICOM (Orthanc's archive, streamed through), for the recipient's viewer."""
    made, report, study = _shared_study(request, token, study_pk)
    try:
        chunks = pacs.study_archive(study.orthanc_id)
    except pacs.PacsUnavailable:
        return _private(render(request, "reports/shared/closed.html",
                               {"message": "Images are temporarily unavailable. Please try again later."},
                               status=503))
    sharing.report_share_record_open(share=made, report=report, action=ReportAccess.Action.IMAGES_DOWNLOAD,
                                     request=request)
    response = StreamingHttpResponse(chunks, content_type="application/zip")
    response["Content-Disposition"] = f'attachment; filename="images-{study.accession_number or study.pk}-dicom.zip"'
    return _private(response)


@never_cache
def shared_pdf(request: HttpRequest, token: str) -> HttpResponse:
    made, state = _open(request, token)
    if state != "active":
        return redirect("reports:shared", token=token)
    report = sharing.shared_report(made)
    data = services.report_pdf_bytes_verified(report)
    if data is None:
        return _private(render(request, "reports/shared/closed.html",
                               {"message": "The PDF cannot be provided just now. Please contact the practice."},
                               status=409))
    sharing.report_share_record_open(share=made, report=report, action=ReportAccess.Action.DOWNLOAD, request=request)
    response = HttpResponse(data, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="radiology-report-{report.appointment_id}.pdf"'
    return _private(response)

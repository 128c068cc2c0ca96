"""The image pages and the permission-checked proxy to Orthanc. Browsers never talk to Orthanc:
every image goes through these views, which check the user may see the study (404 otherwise) and
record each opening (ImageAccess; the audit middleware records every request as well)."""

from __future__ import annotations

import io
import zipfile

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from portal.accounts.permissions import can
from portal.booking.models import Appointment
from portal.imaging import pacs, selectors, services
from portal.imaging.models import ImageAccess, Study
from portal.imaging.panels import WINDOW_PRESETS, pacs_up, series_viewer, study_thumbnails

MAX_JPEG_SET = 500  # instances in the "JPEG set" download


def _study(request: HttpRequest, pk: int, *, record_refusal: bool = True) -> Study:
    try:
        return selectors.study_get_for(user=request.user, pk=pk)
    except selectors.StudyRefused as refused:
        if record_refusal:
            services.image_access_record(study=refused.study, user=request.user, action=ImageAccess.Action.DENIED,
                                         request=request)
        raise Http404("No study found.") from None


def _private(response: HttpResponse) -> HttpResponse:
    response["Cache-Control"] = "private, no-store"
    return response


@never_cache
def study(request: HttpRequest, pk: int) -> HttpResponse:
    study = _study(request, pk)
    services.image_access_record(study=study, user=request.user, action=ImageAccess.Action.VIEW, request=request)
    return render(request, "imaging/study.html", {
        "study": study, "appointment": study.appointment, "series_list": study_thumbnails(study),
        "pacs_up": pacs_up(), "enabled": pacs.enabled(),
    })


@never_cache
def series(request: HttpRequest, pk: int, series_id: str) -> HttpResponse:
    study = _study(request, pk)
    item = study.series_by_id(series_id)
    if item is None or not item.get("instances"):
        raise Http404("No such series.")
    services.image_access_record(study=study, user=request.user, action=ImageAccess.Action.SERIES,
                                 request=request, series_id=series_id)
    viewer = series_viewer(item, request.GET, frame_url=lambda i: reverse("imaging:frame", args=[study.pk, i]))
    return render(request, "imaging/series.html", {
        "study": study, "appointment": study.appointment, **viewer, "pacs_up": pacs_up(), "enabled": pacs.enabled(),
    })


def image(request: HttpRequest, pk: int, instance_id: str, kind: str) -> HttpResponse:
    """One server-rendered JPEG of an instance of this study (kind: "preview" or "frame")."""
    study = _study(request, pk, record_refusal=False)
    if not study.has_instance(instance_id):
        raise Http404("No such image.")
    window = WINDOW_PRESETS.get(request.GET.get("window", ""), (None, None))[1]
    try:
        data, content_type = pacs.instance_rendered(instance_id, preview=kind == "preview", window=window)
    except pacs.PacsUnavailable:
        return _private(HttpResponse("Images are temporarily unavailable.", status=503, content_type="text/plain"))
    content_type = content_type if content_type.startswith("image/") else "image/jpeg"
    return _private(HttpResponse(data, content_type=content_type))


def _filename(study: Study, suffix: str) -> str:
    return f"images-{study.accession_number or study.pk}{suffix}"


@never_cache
def download(request: HttpRequest, pk: int) -> HttpResponse:
    """The study as Orthanc's DICOM ZIP archive, streamed through."""
    study = _study(request, pk)
    try:
        chunks = pacs.study_archive(study.orthanc_id)
    except pacs.PacsUnavailable:
        messages.error(request, "Images are temporarily unavailable. Please try again later.")
        return redirect("imaging:study", pk=study.pk)
    services.image_access_record(study=study, user=request.user, action=ImageAccess.Action.DOWNLOAD, request=request)
    response = StreamingHttpResponse(chunks, content_type="application/zip")
    response["Content-Disposition"] = f'attachment; filename="{_filename(study, "-dicom.zip")}"'
    return _private(response)


@never_cache
def download_jpeg(request: HttpRequest, pk: int) -> HttpResponse:
    """A viewer-free set: every image as a JPEG (rendered by Orthanc), in one ZIP."""
    study = _study(request, pk)
    buffer = io.BytesIO()
    try:
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_STORED) as archive:
            written = 0
            for item in study.series:
                for index, instance_id in enumerate(item.get("instances", []), start=1):
                    if written >= MAX_JPEG_SET:
                        break
                    data, _ = pacs.instance_rendered(instance_id)
                    label = f"series-{item.get('number') or 0:02d}"
                    archive.writestr(f"{label}/image-{index:04d}.jpg", data)
                    written += 1
    except pacs.PacsUnavailable:
        messages.error(request, "Images are temporarily unavailable. Please try again later.")
        return redirect("imaging:study", pk=study.pk)
    services.image_access_record(study=study, user=request.user, action=ImageAccess.Action.DOWNLOAD_JPEG,
                                 request=request)
    response = HttpResponse(buffer.getvalue(), content_type="application/zip")
    response["Content-Disposition"] = f'attachment; filename="{_filename(study, "-jpeg.zip")}"'
    return _private(response)


# --- Reconciliation (staff) -----------------------------------------------------------------


def reconcile(request: HttpRequest) -> HttpResponse:
    studies = list(selectors.reconciliation_list(user=request.user)[:200])
    rows = [{"study": s, "candidates": selectors.candidate_appointments(user=request.user, study=s)}
            for s in studies]
    return render(request, "imaging/reconcile.html", {"rows": rows, "enabled": pacs.enabled()})


@require_POST
def reconcile_study(request: HttpRequest, pk: int) -> HttpResponse:
    if not can(request.user, "imaging.reconcile"):
        raise PermissionDenied
    study = get_object_or_404(Study, pk=pk)
    try:
        if request.POST.get("action") == "reject":
            services.study_reject(study=study, by=request.user)
            messages.success(request, "The study was rejected: it stays hidden from patients and doctors.")
        else:
            try:
                appointment_id = int(request.POST.get("appointment", ""))
            except ValueError:
                messages.error(request, "Please choose the appointment these images belong to.")
                return redirect("imaging:reconcile")
            appointment = get_object_or_404(Appointment, pk=appointment_id)
            services.study_attach(study=study, appointment=appointment, by=request.user)
            messages.success(request, f"The study was attached to appointment {appointment.accession_number}.")
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    return redirect("imaging:reconcile")

"""Context for the imaging panels on the appointment, report and report-editor pages."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from django.core.cache import cache
from django.urls import reverse

from portal.booking.models import Appointment
from portal.imaging import pacs, selectors


def appointment_images(user: Any, appointment: Appointment, *, studies: list | None = None) -> dict | None:
    """The "Images" panel: the studies this user may see, or why there are none. `studies`: the
    appointment's studies (`selectors.appointment_studies`) when the caller has read them already."""
    if appointment.status not in (Appointment.Status.CHECKED_IN, Appointment.Status.COMPLETED):
        return None
    staff = user.has_perm("imaging.view_study")
    studies = selectors.visible_studies(user, selectors.appointment_studies(appointment) if studies is None
                                        else studies)
    if not studies and not staff:
        return None  # nothing the patient or doctor may see yet (e.g. before the report's release)
    return {"enabled": pacs.enabled(), "studies": studies, "appointment": appointment, "staff": staff}


def editor_images(user: Any, appointment: Appointment) -> dict:
    """The radiologist's panel beside the report: this appointment's study and the priors."""
    if not user.has_perm("imaging.view_study"):
        return {"enabled": pacs.enabled(), "studies": [], "priors": [], "allowed": False}
    return {
        "enabled": pacs.enabled(),
        "allowed": True,
        "studies": selectors.study_list_for(user=user, appointment=appointment),
        "priors": selectors.prior_studies(user=user, appointment=appointment),
    }


# Window presets (centre, width) for CT, offered when the series is CT.
WINDOW_PRESETS = {
    "soft": ("Soft tissue", (40, 400)),
    "lung": ("Lung", (-600, 1500)),
    "bone": ("Bone", (400, 1800)),
    "brain": ("Brain", (40, 80)),
}


def pacs_up() -> bool:
    """Is the PACS answering? Asked at most every 10 s per process group (cached)."""
    if not pacs.enabled():
        return False
    state = cache.get("imaging:pacs-up")
    if state is None:
        try:
            pacs.system()
            state = True
        except pacs.PacsUnavailable:
            state = False
        cache.set("imaging:pacs-up", state, 10)
    return state


def study_thumbnails(study, *, series_url: Callable[[str], str] | None = None,
                     preview_url: Callable[[str], str] | None = None) -> list[dict]:
    """One thumbnail per series (its middle image), with the links to follow: the imaging pages by
    default, or a share link's own (``series_url(series_id)``, ``preview_url(instance_id)``)."""
    series_url = series_url or (lambda series_id: reverse("imaging:series", args=[study.pk, series_id]))
    preview_url = preview_url or (lambda instance_id: reverse("imaging:preview", args=[study.pk, instance_id]))
    result = []
    for series in study.series:
        instances = series.get("instances") or []
        if not instances:
            continue
        thumb = instances[len(instances) // 2]
        result.append({**series, "thumb": thumb, "count": len(instances), "href": series_url(series["id"]),
                       "src": preview_url(thumb)})
    return result


def window_for(series: Mapping, preset: str) -> tuple[float, float] | None:
    """The (centre, width) of a named preset, for a CT series only; None renders as stored."""
    if series.get("modality") != "CT" or preset not in WINDOW_PRESETS:
        return None
    return WINDOW_PRESETS[preset][1]


def series_viewer(series: Mapping, query: Mapping, *, frame_url: Callable[[str], str]) -> dict:
    """The frame-by-frame viewer's context for one series (``query``: the request's GET, with
    ``frame`` from 1 and ``window``), with the frame links built by ``frame_url(instance_id)``."""
    instances = series["instances"]
    try:
        frame = min(max(int(query.get("frame", "1")), 1), len(instances))
    except ValueError:
        frame = 1
    ct = series.get("modality") == "CT"
    preset = query.get("window", "") if ct and query.get("window", "") in WINDOW_PRESETS else ""
    return {
        "series": series, "count": len(instances), "frame": frame, "preset": preset,
        "frame_urls": [frame_url(i) for i in instances], "frame_src": frame_url(instances[frame - 1]),
        "presets": [(key, label) for key, (label, _) in WINDOW_PRESETS.items()] if ct else [],
    }


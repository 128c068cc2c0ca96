"""Context for the imaging panels on the appointment, report and report-editor pages."""

from __future__ import annotations

from typing import Any

from portal.booking.models import Appointment
from portal.imaging import pacs, selectors


def appointment_images(user: Any, appointment: Appointment) -> dict | None:
    """The "Images" panel: the studies this user may see, or why there are none."""
    if appointment.status not in (Appointment.Status.CHECKED_IN, Appointment.Status.COMPLETED):
        return None
    staff = user.has_perm("imaging.view_study")
    studies = selectors.study_list_for(user=user, appointment=appointment)
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


def study_thumbnails(study) -> list[dict]:
    """One thumbnail per series: its middle image."""
    result = []
    for series in study.series:
        instances = series.get("instances") or []
        if not instances:
            continue
        result.append({**series, "thumb": instances[len(instances) // 2], "count": len(instances)})
    return result

"""The rows of "Who opened my report" (the patient's view) and the access log (a manager's) on the
report page: every opening of the report's versions and of its images, worded as the reader sees
them. Built from rows of values with one query for the staff members' roles, not from model
instances per row (issue 22: the log was the costliest part of the page)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.contrib.auth.models import Group

from portal.core.clock import shown
from portal.imaging.models import ImageAccess
from portal.reports.models import ReportAccess

_REPORT_ACTIONS = dict(ReportAccess.Action.choices)
_VIAS = dict(ReportAccess.Via.choices)
_IMAGE_ACTIONS = dict(ImageAccess.Action.choices)


@dataclass(frozen=True, slots=True)
class Opening:
    at: dt.datetime
    when: str  # `at` as the page shows it
    who: str
    roles: str  # a staff member's roles ("Radiologist, Manager"), else ""
    what: str
    version: str  # "v2", or "Images"
    ip_address: str | None


def _name(first: str | None, last: str | None) -> str:
    return f"{first or ''} {last or ''}".strip()


def _who(row: dict[str, Any], *, viewer_id: int, patient_id: int, patient_name: str,
         patient_view: bool) -> tuple[str, bool]:
    """What the log calls the person who opened it, and whether they are a staff member (roles shown)."""
    if row.get("by_guardian_id"):
        guardian = _name(row["by_guardian__first_name"], row["by_guardian__last_name"]) or "(name not given)"
        return f"Guardian {guardian} for {patient_name}", False
    if row.get("share_id"):
        refused = " (wrong access code)" if row["action"] == "denied" else ""
        return f"Shared link: {row['share__recipient_name']}{refused}", False
    if patient_view and row["action"] == "denied" and row["user_id"] != viewer_id:
        return "Someone not entitled (refused)", False
    if patient_view and row["user_id"] == patient_id:
        return "You", False
    if row["user_id"] is None:
        return "A deleted account", False
    name = _name(row["user__first_name"], row["user__last_name"]) or "A staff member"
    return (f"Dr {name}" if row["user__doctor_profile__id"] else name), True


def openings(*, report_rows: list[dict], image_rows: list[dict] | None, viewer_id: int, patient_id: int,
             patient_name: str, patient_view: bool) -> tuple[list[Opening], list[Opening]]:
    """The report's openings and its images', each as the page lists them."""
    image_rows = image_rows or []
    worded = [(row, *_who(row, viewer_id=viewer_id, patient_id=patient_id, patient_name=patient_name,
                          patient_view=patient_view)) for row in (*report_rows, *image_rows)]
    staff_ids = {row["user_id"] for row, _, staff in worded if staff}
    roles: dict[int, list[str]] = {}
    if staff_ids:
        for user_id, name in (Group.objects.filter(user__in=staff_ids).order_by("name")
                              .values_list("user", "name")):
            roles.setdefault(user_id, []).append(name)
    result = []
    for row, who, staff in worded:
        if "via" in row:
            what = _REPORT_ACTIONS.get(row["action"], row["action"])
            if row["via"] != ReportAccess.Via.WEB:
                what += f" via {_VIAS.get(row['via'], row['via'])}"
            version = f"v{row['report__version']}"
        else:
            what, version = _IMAGE_ACTIONS.get(row["action"], row["action"]), "Images"
        result.append(Opening(at=row["at"], when=shown(row["at"]), who=who,
                              roles=", ".join(roles.get(row["user_id"], [])) if staff else "",
                              what=what, version=version, ip_address=row["ip_address"]))
    return result[:len(report_rows)], result[len(report_rows):]

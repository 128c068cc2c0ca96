"""Who may give and read feedback."""

from __future__ import annotations

from typing import Any

from portal.accounts.permissions import rule


@rule("feedback.give")
def _give(user: Any, appointment: Any) -> bool:
    """Only the patient of the appointment rates it (completion is checked by the service)."""
    return appointment is not None and appointment.patient_id == user.pk


@rule("feedback.list")
def _list(user: Any, obj: Any) -> bool:
    return user.has_perm("feedback.view_feedback")

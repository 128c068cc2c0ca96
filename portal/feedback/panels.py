from __future__ import annotations

from typing import Any

from portal.accounts.permissions import can
from portal.booking.models import Appointment
from portal.feedback import selectors
from portal.feedback.models import Feedback


def summary_panel(user: Any) -> dict:
    if not can(user, "feedback.list"):
        return {}
    return selectors.feedback_summary(queryset=selectors.feedback_list(user=user))


def appointment_feedback(user: Any, appointment: Appointment) -> dict | None:
    """A "rate your visit" link for the patient once the appointment is completed."""
    if appointment.status != Appointment.Status.COMPLETED or not can(user, "feedback.give", appointment):
        return None
    return {"appointment": appointment, "feedback": Feedback.objects.filter(appointment=appointment).first()}

"""Dashboard panels of the booking app."""

from __future__ import annotations

from django.utils import timezone

from portal.booking import selectors


def patient_panel(user) -> dict:
    return {"next": selectors.next_appointment_for(user=user)}


def staff_panel(user) -> dict:
    today = timezone.localdate()
    return {"day": today, "counts": selectors.day_counts(day=today)}

"""Demo: the reminder schedule, and the demo patient's preferences (email and SMS, quiet hours)."""

from __future__ import annotations

from portal.accounts.models import User
from portal.notifications.models import NotificationPreference
from portal.notifications.receivers import ensure_schedule


def seed(*, stdout, style, options) -> None:
    ensure_schedule()
    stdout.write("  reminder schedule: every minute")
    patient = User.objects.filter(email="patient@demo.test").first()
    if patient is not None:
        NotificationPreference.objects.get_or_create(user=patient)
        stdout.write("  notification preferences for patient@demo.test")

"""The waitlist's section on the appointment page: "tell me if something earlier opens"."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone

from portal.booking.services import can_patient_change
from portal.waitlist.models import WaitlistEntry


def earlier_panel(user: Any, appointment: Any) -> dict | None:
    if appointment.patient_id != user.pk or not can_patient_change(appointment):
        return None
    if timezone.localtime(appointment.start).date() <= timezone.localdate() + dt.timedelta(days=1):
        return None
    entry = WaitlistEntry.objects.filter(patient=user, scan_type_id=appointment.scan_type_id,
                                         status=WaitlistEntry.Status.WAITING).select_related("scan_type").first()
    return {"appointment": appointment, "entry": entry}

"""An appointment as an iCalendar file ("add to calendar")."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.utils import timezone
from django.utils.html import strip_tags
from icalendar import Calendar, Event

from portal.booking.models import Appointment

# The event's STATUS follows the appointment: tentative until the practice confirms it.
ICS_STATUS = {
    Appointment.Status.REQUESTED: "TENTATIVE",
    Appointment.Status.CONFIRMED: "CONFIRMED",
    Appointment.Status.CHECKED_IN: "CONFIRMED",
    Appointment.Status.COMPLETED: "CONFIRMED",
    Appointment.Status.CANCELLED: "CANCELLED",
    Appointment.Status.NO_SHOW: "CANCELLED",
}


def calendar_offered(appointment: Appointment, *, now: dt.datetime | None = None) -> bool:
    """Offer "Add to calendar" only for a visit still ahead that is requested or confirmed."""
    return appointment.is_upcoming and appointment.end > (now or timezone.now())


def appointment_ics(appointment: Appointment, *, practice_name: str = "", address: str = "", host: str = "") -> bytes:
    calendar = Calendar()
    calendar.add("prodid", f"-//{practice_name or 'Radiology Portal'}//Appointments//EN")
    calendar.add("version", "2.0")
    calendar.add("method", "PUBLISH")
    event = Event()
    event.add("uid", f"appointment-{appointment.pk}@{host or 'radiology-portal'}")
    event.add("dtstamp", timezone.now())
    event.add("dtstart", appointment.start)
    event.add("dtend", appointment.end)
    event.add("summary", f"{appointment.scan_type.name} at {practice_name or settings.WAGTAIL_SITE_NAME}")
    if address:
        event.add("location", address)
    preparation = strip_tags(appointment.scan_type.preparation or "").strip()
    event.add("description", (f"Preparation: {preparation}\n" if preparation else "")
              + "Please arrive 15 minutes early and bring your ID and medical aid card.\n"
              + f"Accession number: {appointment.accession_number}")
    event.add("status", ICS_STATUS[appointment.status])
    calendar.add_component(event)
    return calendar.to_ical()

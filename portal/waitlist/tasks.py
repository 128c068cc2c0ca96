"""django-q2 tasks: thin, take ids, call a service, safe to run twice."""

from __future__ import annotations

import datetime as dt

from portal.booking.models import Appointment, Room
from portal.waitlist import services


def offer_freed_slot(room_id: int, start: str) -> int:
    room = Room.objects.filter(pk=room_id).first()
    if room is None:
        return 0
    return len(services.waitlist_offer_slot(room=room, start=dt.datetime.fromisoformat(start)))


def offer_reopened_days(room_id: int | None, first_day: str, last_day: str) -> int:
    rooms = Room.objects.filter(pk=room_id) if room_id is not None else Room.objects.all()
    return len(services.waitlist_offer_reopened(rooms=list(rooms), first_day=dt.date.fromisoformat(first_day),
                                                last_day=dt.date.fromisoformat(last_day)))


def close_taken_offers(appointment_id: int) -> int:
    appointment = Appointment.objects.filter(pk=appointment_id).first()
    return services.waitlist_slot_taken(appointment=appointment) if appointment else 0


def expire_offers() -> int:
    """The scheduled job (every minute): expired offers pass to the next person."""
    return services.waitlist_offers_expire()

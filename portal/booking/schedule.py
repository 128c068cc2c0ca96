"""Loading availability's inputs from the database (rooms, hours, closures, busy times).

Kept apart from availability.py, which stays pure; used by selectors (what to show) and by the
booking service (the re-check under lock).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.conf import settings
from django.db.models import Q
from django.utils import timezone

from portal.booking.availability import Busy, RoomSchedule, Rules, Slot, free_slots
from portal.booking.models import Appointment, Closure, OpeningHours, Room
from portal.catalogue.models import ScanType
from portal.core.clock import practice_tz


def booking_rules(*, staff: bool = False) -> Rules:
    return Rules(
        step_minutes=settings.BOOKING_SLOT_STEP_MINUTES,
        min_lead=dt.timedelta(0) if staff else dt.timedelta(hours=settings.BOOKING_MIN_LEAD_HOURS),
        horizon_days=settings.BOOKING_HORIZON_DAYS,
    )


def rooms_for(scan_type: ScanType) -> list[Room]:
    return list(Room.objects.filter(modality=scan_type.modality, active=True).order_by("pk"))


def compute_slots(
    *,
    scan_type: ScanType,
    rooms: Iterable[Room],
    first_day: dt.date,
    last_day: dt.date,
    now: dt.datetime | None = None,
    staff: bool = False,
    exclude_pk: int | None = None,
) -> list[Slot]:
    """Free slots for `scan_type` in `rooms` from `first_day` to `last_day` (local dates)."""
    rooms = list(rooms)
    if not rooms:
        return []
    tz = practice_tz()
    now = now or timezone.now()
    room_ids = [room.pk for room in rooms]
    hours: dict[int, dict[int, list[tuple[dt.time, dt.time]]]] = {pk: {} for pk in room_ids}
    for row in OpeningHours.objects.filter(room_id__in=room_ids).values_list("room_id", "weekday", "opens", "closes"):
        hours[row[0]].setdefault(row[1], []).append((row[2], row[3]))
    closures = Closure.objects.filter(start_date__lte=last_day, end_date__gte=first_day).filter(
        Q(room__isnull=True) | Q(room_id__in=room_ids)
    )
    per_room: dict[int, list[tuple[dt.date, dt.date]]] = {pk: [] for pk in room_ids}
    practice: list[tuple[dt.date, dt.date]] = []
    for room_id, first, last in closures.values_list("room_id", "start_date", "end_date"):
        (practice if room_id is None else per_room[room_id]).append((first, last))
    window_start = dt.datetime.combine(first_day, dt.time.min, tzinfo=tz) - dt.timedelta(days=1)
    window_end = dt.datetime.combine(last_day, dt.time.max, tzinfo=tz) + dt.timedelta(days=1)
    busy_qs = Appointment.objects.active().filter(room_id__in=room_ids, start__lt=window_end, end__gt=window_start)
    if exclude_pk is not None:
        busy_qs = busy_qs.exclude(pk=exclude_pk)
    busy = [Busy(r, s, e) for r, s, e in busy_qs.values_list("room_id", "start", "end")]
    schedules = [RoomSchedule(pk, hours[pk], tuple(per_room[pk])) for pk in room_ids]
    return free_slots(
        rooms=schedules,
        busy=busy,
        practice_closures=practice,
        duration=dt.timedelta(minutes=scan_type.duration_minutes),
        first_day=first_day,
        last_day=last_day,
        now=now,
        tz=tz,
        rules=booking_rules(staff=staff),
    )

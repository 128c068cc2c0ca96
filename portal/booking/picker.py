"""The slot picker's context: a week of day chips with free counts, and the chosen day's times."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.utils import timezone

from portal.booking import selectors
from portal.booking.models import Room
from portal.booking.schedule import compute_slots, practice_tz, rooms_for
from portal.catalogue.models import ScanType


def bookable_days() -> tuple[dt.date, dt.date]:
    today = timezone.localdate()
    return today, today + dt.timedelta(days=settings.BOOKING_HORIZON_DAYS)


def parse_day(value: str | None) -> tuple[dt.date | None, str]:
    """A requested date, or (None, message) when it is not one a booking can be made for."""
    first, last = bookable_days()
    if not value:
        return None, ""
    try:
        day = dt.date.fromisoformat(value.strip())
    except ValueError:
        return None, "That is not a date we understand. Please choose a date from the calendar."
    if day < first:
        return None, "That date has passed. Please choose today or a later date."
    if day > last:
        return None, (
            f"Bookings open up to {settings.BOOKING_HORIZON_DAYS} days ahead "
            f"(until {last:%-d %B %Y}). Please choose an earlier date."
        )
    return day, ""


def picker_context(
    *,
    scan: ScanType,
    day: dt.date | None,
    staff: bool = False,
    room: Room | None = None,
    exclude_pk: int | None = None,
    selected: str = "",
) -> dict[str, Any]:
    tz = practice_tz()
    first, last = bookable_days()
    rooms = [room] if room is not None else rooms_for(scan)
    if day is None:
        # start on the first day with a free time
        upcoming = compute_slots(
            scan_type=scan,
            rooms=rooms,
            first_day=first,
            last_day=min(last, first + dt.timedelta(days=13)),
            staff=staff,
            exclude_pk=exclude_pk,
        )
        day = upcoming[0].start.astimezone(tz).date() if upcoming else first
    window_start = day - dt.timedelta(days=(day - first).days % 7)
    window_end = min(window_start + dt.timedelta(days=6), last)
    slots = compute_slots(
        scan_type=scan, rooms=rooms, first_day=window_start, last_day=window_end, staff=staff, exclude_pk=exclude_pk
    )
    by_day: dict[dt.date, list] = {}
    for slot in slots:
        by_day.setdefault(slot.start.astimezone(tz).date(), []).append(slot)
    days = []
    current = window_start
    while current <= window_end:
        days.append(
            {
                "date": current,
                "iso": current.isoformat(),
                "count": len(by_day.get(current, [])),
                "selected": current == day,
                "today": current == first,
            }
        )
        current += dt.timedelta(days=1)
    groups: dict[str, list[dict[str, Any]]] = {"Morning": [], "Afternoon": [], "Evening": []}
    for slot in by_day.get(day, []):
        local = slot.start.astimezone(tz)
        part = "Morning" if local.hour < 12 else "Afternoon" if local.hour < 17 else "Evening"
        iso = slot.start.isoformat()
        groups[part].append({"value": iso, "local": local, "checked": iso == selected, "rooms": slot.room_ids})
    total = sum(len(v) for v in groups.values())
    next_free = None
    if total == 0:
        next_free = (
            selectors.next_free_day(scan_type=scan, after=day, staff=staff, days=max(0, (last - day).days))
            if room is None
            else None
        )
    prev_start = window_start - dt.timedelta(days=7)
    next_start = window_start + dt.timedelta(days=7)
    return {
        "scan": scan,
        "day": day,
        "days": days,
        "groups": [(k, v) for k, v in groups.items() if v],
        "total": total,
        "next_free": next_free,
        "min_date": first.isoformat(),
        "max_date": last.isoformat(),
        "prev_day": prev_start.isoformat() if window_start > first else "",
        "next_day": next_start.isoformat() if next_start <= last else "",
        "tz_name": settings.TIME_ZONE,
    }

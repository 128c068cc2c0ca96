"""The slot picker: a week of day chips with free counts and the chosen day's times, and the one
response the six picker views give (the wizard's date step, the patient's reschedule, the staff
move; each a page and its htmx refresh).

The picker's days are practice-local dates: `parse_day` reads one from a query string,
`day_of` takes a chosen start's local day; both say why a day cannot be booked.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from portal.booking import selectors
from portal.booking.models import Room
from portal.booking.schedule import compute_slots, rooms_for
from portal.catalogue.models import ScanType
from portal.core.clock import local_day, practice_tz, today

PICKER_TEMPLATE = "booking/includes/picker.html"


def bookable_days() -> tuple[dt.date, dt.date]:
    first = today()
    return first, first + dt.timedelta(days=settings.BOOKING_HORIZON_DAYS)


def parse_day(value: str | None) -> tuple[dt.date | None, str]:
    """A requested date, or (None, message) when it is not one a booking can be made for."""
    if not value:
        return None, ""
    try:
        day = dt.date.fromisoformat(value.strip())
    except ValueError:
        return None, "That is not a date we understand. Please choose a date from the calendar."
    return check_day(day)


def requested_day(request: HttpRequest) -> tuple[dt.date | None, str]:
    """The day a picker request asks for (`?date=`, or `?jump=` from the date field)."""
    return parse_day(request.GET.get("date") or request.GET.get("jump"))


def day_of(start: dt.datetime) -> tuple[dt.date | None, str]:
    """The practice-local day of `start`, or (None, message) when it is not bookable."""
    return check_day(local_day(start))


def check_day(day: dt.date) -> tuple[dt.date | None, str]:
    """`day` itself, or (None, message) when it is outside the bookable window."""
    first, last = bookable_days()
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


def picker_response(
    request: HttpRequest,
    *,
    scan: ScanType,
    day: dt.date | None,
    slots_url: str,
    page_url: str,
    partial: bool,
    error: str = "",
    template: str = "",
    context: dict[str, Any] | None = None,
    staff: bool = False,
    room: Room | None = None,
    exclude_pk: int | None = None,
    selected: str = "",
) -> HttpResponse:
    """The picker's response, the same for all six views.

    `partial`: the picker alone for htmx, with `error` shown inside it; a plain browser request
    for it goes to `page_url` (the whole page) at the picker's day instead. Otherwise the whole
    page: `template` with `context` and the picker (the page shows its errors as messages).
    """
    picker = picker_context(scan=scan, day=day, staff=staff, room=room, exclude_pk=exclude_pk, selected=selected)
    picker["slots_url"] = slots_url
    if not partial:
        return render(request, template, {**(context or {}), "picker": picker})
    if not request.htmx:
        joiner = "&" if "?" in page_url else "?"
        return redirect(f"{page_url}{joiner}date={picker['day'].isoformat()}")
    picker["error"] = error
    return render(request, PICKER_TEMPLATE, {"picker": picker})

"""The practice's opening hours, from the one source of truth: the rooms' weekly hours.

The public site (through core's registry), the booking slots and the synthetic analytics history
all read these; nobody types the hours a second time.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from portal.booking.models import OpeningHours

DAY_ABBR = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]


def week_hours(rows: Iterable[tuple[int, dt.time, dt.time]]) -> dict[int, tuple[dt.time, dt.time]]:
    """weekday -> (first opening, last closing) over all rooms' (weekday, opens, closes) rows."""
    week: dict[int, tuple[dt.time, dt.time]] = {}
    for weekday, opens, closes in rows:
        if weekday in week:
            first, last = week[weekday]
            week[weekday] = (min(first, opens), max(last, closes))
        else:
            week[weekday] = (opens, closes)
    return week


def hours_lines(week: dict[int, tuple[dt.time, dt.time]]) -> list[str]:
    """Consecutive days with the same hours as one line: ["Mon–Fri 07:30–17:00", "Sat 08:00–12:00",
    "Sun closed"]. Empty when no room has hours."""
    if not week:
        return []
    lines: list[str] = []
    day = 0
    while day < 7:
        hours = week.get(day)
        end = day
        while end + 1 < 7 and week.get(end + 1) == hours:
            end += 1
        days = DAY_ABBR[day] if end == day else f"{DAY_ABBR[day]}–{DAY_ABBR[end]}"
        lines.append(f"{days} {hours[0]:%H:%M}–{hours[1]:%H:%M}" if hours else f"{days} closed")
        day = end + 1
    return lines


def practice_week_hours() -> dict[int, tuple[dt.time, dt.time]]:
    """The practice's hours per weekday: the active rooms' earliest opening and latest closing."""
    return week_hours(OpeningHours.objects.filter(room__active=True).values_list("weekday", "opens", "closes"))


def practice_hours_lines() -> list[str]:
    return hours_lines(practice_week_hours())

"""Quiet hours: pure functions, in the practice's time zone."""

from __future__ import annotations

import datetime as dt

from django.conf import settings

from portal.core.clock import practice_tz


def parse_quiet_hours(value: str) -> tuple[dt.time, dt.time] | None:
    """"21-7" -> (21:00, 07:00); "21:30-6:45" works too; "" or "off" -> None."""
    value = (value or "").strip().lower()
    if value in ("", "off", "none"):
        return None
    start, end = (part.strip() for part in value.split("-", 1))

    def as_time(text: str) -> dt.time:
        hour, _, minute = text.partition(":")
        return dt.time(int(hour) % 24, int(minute or 0))

    return as_time(start), as_time(end)


def default_quiet_hours() -> tuple[dt.time, dt.time]:
    return parse_quiet_hours(settings.NOTIFICATIONS_QUIET_HOURS) or (dt.time(0, 0), dt.time(0, 0))


def in_quiet_hours(moment: dt.datetime, start: dt.time, end: dt.time) -> bool:
    """Is `moment` (aware) inside [start, end) local time? The window may cross midnight."""
    if start == end:
        return False
    local = moment.astimezone(practice_tz()).time()
    if start < end:
        return start <= local < end
    return local >= start or local < end


def next_allowed(moment: dt.datetime, start: dt.time, end: dt.time) -> dt.datetime:
    """`moment` itself if outside quiet hours, else the end of the quiet period (aware, UTC-comparable)."""
    if not in_quiet_hours(moment, start, end):
        return moment
    tz = practice_tz()
    local = moment.astimezone(tz)
    candidate = dt.datetime.combine(local.date(), end, tzinfo=tz)
    if candidate <= local:
        candidate = dt.datetime.combine(local.date() + dt.timedelta(days=1), end, tzinfo=tz)
    return candidate

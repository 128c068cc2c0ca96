"""Free slots for a scan: a pure function of rooms, hours, closures and busy times.

No database access here (selectors.slots_for loads the inputs). Opening hours are wall-clock times
in the practice's time zone; a slot is generated on the wall clock (09:00, 09:15, ...) and turned
into an instant with that day's UTC offset, so slots stay at 09:00 on both sides of a DST change.
A wall-clock time that does not exist (the hour skipped in spring) is never offered, and a slot's
end is its start plus the scan's real duration, so a scan never runs past closing time even on
the night the clocks move.
"""

from __future__ import annotations

import bisect
import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

UTC = dt.UTC


@dataclass(frozen=True)
class RoomSchedule:
    """One room's weekly hours ({weekday: [(opens, closes), ...]}) and its closed date ranges."""

    room_id: int
    hours: dict[int, list[tuple[dt.time, dt.time]]]
    closures: tuple[tuple[dt.date, dt.date], ...] = ()


@dataclass(frozen=True)
class Busy:
    room_id: int
    start: dt.datetime
    end: dt.datetime


@dataclass(frozen=True)
class Slot:
    start: dt.datetime  # aware, UTC
    end: dt.datetime
    room_ids: tuple[int, ...] = field(default=())

    def local_start(self, tz: ZoneInfo) -> dt.datetime:
        return self.start.astimezone(tz)


@dataclass(frozen=True)
class Rules:
    step_minutes: int = 15
    min_lead: dt.timedelta = dt.timedelta(hours=2)
    horizon_days: int = 60


def wall_to_instant(day: dt.date, at: dt.time, tz: ZoneInfo) -> dt.datetime | None:
    """The UTC instant of a wall-clock time on `day`, or None when that time does not exist (DST gap)."""
    naive = dt.datetime.combine(day, at)
    aware = naive.replace(tzinfo=tz)
    instant = aware.astimezone(UTC)
    if instant.astimezone(tz).replace(tzinfo=None) != naive:
        return None
    return instant


def bookable_window(*, now: dt.datetime, tz: ZoneInfo, rules: Rules) -> tuple[dt.datetime, dt.date]:
    """The earliest bookable instant and the last bookable local date."""
    earliest = now.astimezone(UTC) + rules.min_lead
    last_day = now.astimezone(tz).date() + dt.timedelta(days=rules.horizon_days)
    return earliest, last_day


def _closed(day: dt.date, ranges: Iterable[tuple[dt.date, dt.date]]) -> bool:
    return any(first <= day <= last for first, last in ranges)


class _BusyIndex:
    """Per room: busy intervals sorted by start, for overlap checks in O(log n)."""

    def __init__(self, busy: Iterable[Busy]):
        per_room: dict[int, list[tuple[dt.datetime, dt.datetime]]] = {}
        for item in busy:
            per_room.setdefault(item.room_id, []).append((item.start, item.end))
        self.starts: dict[int, list[dt.datetime]] = {}
        self.ends_max: dict[int, list[dt.datetime]] = {}
        self.intervals: dict[int, list[tuple[dt.datetime, dt.datetime]]] = {}
        for room_id, items in per_room.items():
            items.sort()
            self.intervals[room_id] = items
            self.starts[room_id] = [s for s, _ in items]
            running, maxima = None, []
            for _, end in items:
                running = end if running is None or end > running else running
                maxima.append(running)
            self.ends_max[room_id] = maxima

    def overlaps(self, room_id: int, start: dt.datetime, end: dt.datetime) -> bool:
        starts = self.starts.get(room_id)
        if not starts:
            return False
        # intervals starting before `end`; the latest end among them decides
        i = bisect.bisect_left(starts, end)
        return i > 0 and self.ends_max[room_id][i - 1] > start


def free_slots(
    *,
    rooms: Sequence[RoomSchedule],
    busy: Iterable[Busy],
    practice_closures: Iterable[tuple[dt.date, dt.date]] = (),
    duration: dt.timedelta,
    first_day: dt.date,
    last_day: dt.date,
    now: dt.datetime,
    tz: ZoneInfo,
    rules: Rules = Rules(),
) -> list[Slot]:
    """Every start time (on the step grid) at which at least one room is free for `duration`.

    Days are local dates from `first_day` to `last_day` inclusive, clipped to today .. the horizon.
    A slot lists the ids of every room free for it.
    """
    if duration <= dt.timedelta(0):
        raise ValueError("A scan must take some time.")
    earliest, horizon_day = bookable_window(now=now, tz=tz, rules=rules)
    first_day = max(first_day, now.astimezone(tz).date())
    last_day = min(last_day, horizon_day)
    practice_closures = tuple(practice_closures)
    index = _BusyIndex(busy)
    step = dt.timedelta(minutes=rules.step_minutes)
    found: dict[dt.datetime, list[int]] = {}
    day = first_day
    while day <= last_day:
        if not _closed(day, practice_closures):
            for room in rooms:
                if _closed(day, room.closures):
                    continue
                for opens, closes in room.hours.get(day.weekday(), ()):
                    wall = dt.datetime.combine(day, opens)
                    stop = dt.datetime.combine(day, closes)
                    while wall < stop:
                        start = wall_to_instant(day, wall.time(), tz)
                        wall += step
                        if start is None or start < earliest:
                            continue
                        end = start + duration
                        end_local = end.astimezone(tz)
                        if end_local.date() != day or end_local.time() > closes:
                            break  # later starts end later still
                        if index.overlaps(room.room_id, start, end):
                            continue
                        found.setdefault(start, []).append(room.room_id)
        day += dt.timedelta(days=1)
    return [Slot(start, start + duration, tuple(sorted(ids))) for start, ids in sorted(found.items())]

"""Which days a changed closure gives back (pure): what the waitlist offers once a closure lifts."""

from __future__ import annotations

import datetime as dt

Range = tuple[int | None, dt.date, dt.date]  # (room id or None for the whole practice, first day, last day)
ONE_DAY = dt.timedelta(days=1)


def lifted(before: Range, after: Range) -> list[Range]:
    """The days `before` closed that `after` no longer closes, as ranges. A closure moved to another
    room (or to or from the whole practice) gives back all of its old days."""
    room, first, last = before
    new_room, new_first, new_last = after
    if None in (first, last):
        return []
    if new_room != room or None in (new_first, new_last) or new_last < first or new_first > last:
        return [before]
    freed: list[Range] = []
    if new_first > first:
        freed.append((room, first, min(last, new_first - ONE_DAY)))
    if new_last < last:
        freed.append((room, max(first, new_last + ONE_DAY), last))
    return freed

"""Availability is a pure function: no database here."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from portal.booking.availability import Busy, RoomSchedule, Rules, free_slots, wall_to_instant

HARARE = ZoneInfo("Africa/Harare")
LONDON = ZoneInfo("Europe/London")
NY = ZoneInfo("America/New_York")
MONDAY = dt.date(2026, 6, 1)
WEEKDAYS = {d: [(dt.time(8, 0), dt.time(12, 0))] for d in range(5)}
RULES = Rules(step_minutes=30, min_lead=dt.timedelta(hours=2), horizon_days=60)


def _at(day, hour, minute=0, tz=HARARE):
    return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=tz)


def _slots(rooms, *, busy=(), closures=(), minutes=30, first=MONDAY, last=MONDAY, now=None, tz=HARARE, rules=RULES):
    now = now or _at(first - dt.timedelta(days=1), 9, tz=tz)
    return free_slots(
        rooms=rooms,
        busy=busy,
        practice_closures=closures,
        duration=dt.timedelta(minutes=minutes),
        first_day=first,
        last_day=last,
        now=now,
        tz=tz,
        rules=rules,
    )


def _times(slots, tz=HARARE):
    return [s.start.astimezone(tz).strftime("%H:%M") for s in slots]


def test_slots_follow_opening_hours_and_the_duration():
    slots = _slots([RoomSchedule(1, WEEKDAYS)], minutes=60)
    # 08:00 .. 11:00 start; an hour-long scan starting 11:30 would run past noon
    assert _times(slots) == ["08:00", "08:30", "09:00", "09:30", "10:00", "10:30", "11:00"]
    assert all(s.end - s.start == dt.timedelta(minutes=60) for s in slots)


def test_no_slots_on_a_day_without_hours():
    saturday = MONDAY + dt.timedelta(days=5)
    assert _slots([RoomSchedule(1, WEEKDAYS)], first=saturday, last=saturday) == []


def test_split_hours_leave_the_lunch_break_free():
    hours = {0: [(dt.time(8, 0), dt.time(9, 0)), (dt.time(13, 0), dt.time(14, 0))]}
    assert _times(_slots([RoomSchedule(1, hours)])) == ["08:00", "08:30", "13:00", "13:30"]


def test_busy_times_are_not_offered_and_overlaps_count():
    busy = [Busy(1, _at(MONDAY, 9, 15), _at(MONDAY, 9, 45))]
    assert _times(_slots([RoomSchedule(1, WEEKDAYS)], busy=busy)) == [
        "08:00",
        "08:30",
        "10:00",
        "10:30",
        "11:00",
        "11:30",
    ]


def test_a_second_room_keeps_the_time_free_and_slots_list_free_rooms():
    busy = [Busy(1, _at(MONDAY, 9), _at(MONDAY, 9, 30))]
    slots = _slots([RoomSchedule(1, WEEKDAYS), RoomSchedule(2, WEEKDAYS)], busy=busy)
    nine = next(s for s in slots if s.start == _at(MONDAY, 9))
    assert nine.room_ids == (2,)
    eight = next(s for s in slots if s.start == _at(MONDAY, 8))
    assert eight.room_ids == (1, 2)


def test_practice_and_room_closures():
    tuesday = MONDAY + dt.timedelta(days=1)
    assert _slots([RoomSchedule(1, WEEKDAYS)], closures=[(MONDAY, MONDAY)]) == []
    closed_room = RoomSchedule(1, WEEKDAYS, closures=((MONDAY, tuesday),))
    open_room = RoomSchedule(2, WEEKDAYS)
    slots = _slots([closed_room, open_room], first=MONDAY, last=tuesday + dt.timedelta(days=1))
    assert {s.room_ids for s in slots if s.start.astimezone(HARARE).date() <= tuesday} == {(2,)}
    assert any(1 in s.room_ids for s in slots if s.start.astimezone(HARARE).date() == tuesday + dt.timedelta(days=1))


def test_minimum_lead_time():
    now = _at(MONDAY, 8, 10)  # lead 2 h: the first bookable start is 10:10 -> 10:30
    assert _times(_slots([RoomSchedule(1, WEEKDAYS)], now=now))[0] == "10:30"


def test_no_slots_in_the_past_and_none_beyond_the_horizon():
    rules = Rules(step_minutes=30, min_lead=dt.timedelta(0), horizon_days=7)
    now = _at(MONDAY, 9, 0)
    slots = _slots(
        [RoomSchedule(1, WEEKDAYS)],
        first=MONDAY - dt.timedelta(days=7),
        last=MONDAY + dt.timedelta(days=30),
        now=now,
        rules=rules,
    )
    days = {s.start.astimezone(HARARE).date() for s in slots}
    assert min(days) == MONDAY and min(s.start for s in slots) >= now
    assert max(days) <= MONDAY + dt.timedelta(days=7)


def test_wall_clock_slots_keep_their_local_time_across_the_dst_change_in_london():
    # Clocks go forward on Sunday 29 March 2026 in London (GMT -> BST).
    before, after = dt.date(2026, 3, 27), dt.date(2026, 3, 30)  # Friday, Monday
    slots = _slots([RoomSchedule(1, WEEKDAYS)], first=before, last=after, tz=LONDON, now=_at(before, 6, tz=LONDON))
    friday_first = next(s for s in slots if s.start.astimezone(LONDON).date() == before)
    monday_first = next(s for s in slots if s.start.astimezone(LONDON).date() == after)
    assert friday_first.start.astimezone(LONDON).hour == monday_first.start.astimezone(LONDON).hour == 8
    assert friday_first.start.hour == 8 and monday_first.start.hour == 7  # in UTC: the offset moved an hour


def test_the_skipped_hour_is_never_offered_and_durations_are_real_time():
    # New York springs forward on 8 March 2026: 02:00-03:00 does not exist.
    sunday = dt.date(2026, 3, 8)
    night = {6: [(dt.time(0, 0), dt.time(5, 0))]}
    rules = Rules(step_minutes=30, min_lead=dt.timedelta(0), horizon_days=60)
    slots = _slots(
        [RoomSchedule(1, night)],
        minutes=60,
        first=sunday,
        last=sunday,
        tz=NY,
        now=_at(sunday - dt.timedelta(days=1), 12, tz=NY),
        rules=rules,
    )
    times = _times(slots, NY)
    assert "02:00" not in times and "02:30" not in times
    for slot in slots:
        assert slot.end - slot.start == dt.timedelta(hours=1)
        assert slot.end.astimezone(NY).time() <= dt.time(5, 0)
    # 01:30 local + 60 real minutes = 03:30 local (the clock skipped an hour)
    half_past_one = next(s for s in slots if s.start.astimezone(NY).strftime("%H:%M") == "01:30")
    assert half_past_one.end.astimezone(NY).strftime("%H:%M") == "03:30"
    assert times[-1] == "04:00"


def test_autumn_change_gives_an_extra_real_hour_inside_opening_hours():
    # London falls back on 25 October 2026: 01:00-02:00 happens twice.
    sunday = dt.date(2026, 10, 25)
    night = {6: [(dt.time(0, 0), dt.time(3, 0))]}
    rules = Rules(step_minutes=60, min_lead=dt.timedelta(0), horizon_days=60)
    slots = _slots(
        [RoomSchedule(1, night)],
        minutes=60,
        first=sunday,
        last=sunday,
        tz=LONDON,
        now=_at(sunday - dt.timedelta(days=1), 12, tz=LONDON),
        rules=rules,
    )
    assert _times(slots, LONDON) == ["00:00", "01:00", "02:00"]
    assert all(s.end - s.start == dt.timedelta(hours=1) for s in slots)


def test_wall_to_instant_refuses_a_time_in_the_gap():
    assert wall_to_instant(dt.date(2026, 3, 29), dt.time(1, 30), LONDON) is None
    assert wall_to_instant(dt.date(2026, 3, 29), dt.time(2, 30), LONDON).hour == 1


def test_a_zero_duration_is_refused():
    with pytest.raises(ValueError):
        _slots([RoomSchedule(1, WEEKDAYS)], minutes=0)


busy_strategy = st.lists(st.tuples(st.integers(0, 1), st.integers(0, 5 * 24 * 4), st.integers(1, 12)), max_size=30)


@settings(max_examples=60, deadline=None)
@given(busy=busy_strategy, minutes=st.sampled_from([15, 20, 30, 45, 60, 90]), step=st.sampled_from([5, 15, 30]))
def test_every_slot_is_inside_hours_free_and_as_long_as_the_scan(busy, minutes, step):
    base = _at(MONDAY, 0)
    intervals = [
        Busy(room, base + dt.timedelta(minutes=15 * q), base + dt.timedelta(minutes=15 * (q + n)))
        for room, q, n in busy
    ]
    rooms = [RoomSchedule(0, WEEKDAYS), RoomSchedule(1, {d: [(dt.time(9, 0), dt.time(16, 30))] for d in range(6)})]
    rules = Rules(step_minutes=step, min_lead=dt.timedelta(0), horizon_days=60)
    slots = _slots(
        rooms, busy=intervals, minutes=minutes, first=MONDAY, last=MONDAY + dt.timedelta(days=5), rules=rules
    )
    hours = {0: WEEKDAYS, 1: rooms[1].hours}
    for slot in slots:
        assert slot.end - slot.start == dt.timedelta(minutes=minutes)
        start, end = slot.start.astimezone(HARARE), slot.end.astimezone(HARARE)
        for room in slot.room_ids:
            assert any(
                o <= start.time() and end.time() <= c and end.date() == start.date()
                for o, c in hours[room].get(start.weekday(), [])
            )
            assert not any(b.room_id == room and b.start < slot.end and slot.start < b.end for b in intervals)

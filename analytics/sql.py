"""Portable SQL expressions for the analytics aggregates.

Dates are bucketed in the practice's time zone. On PostgreSQL Django's own Trunc/Extract run
natively (``AT TIME ZONE``). On SQLite Django implements them with Python functions called once
per row, which is slow at a million rows; when the practice's zone has a fixed UTC offset
(Africa/Harare has no daylight saving) we use SQLite's native date functions with that offset.
"""

from __future__ import annotations

import datetime as dt
import functools

from django.db import models
from django.db.models import Func
from django.db.models.functions import ExtractHour, ExtractIsoWeekDay, TruncDate, TruncMonth, TruncWeek

from portal.core.clock import practice_tz


@functools.cache
def fixed_offset_minutes() -> int | None:
    """The practice zone's UTC offset in minutes if it did not change over the last few years."""
    zone = practice_tz()
    this_year = dt.date.today().year
    offsets = {
        dt.datetime(year, month, 15, 12, tzinfo=zone).utcoffset()
        for year in range(this_year - 3, this_year + 2)
        for month in (1, 4, 7, 10)
    }
    if len(offsets) != 1:
        return None
    return int(offsets.pop().total_seconds() // 60)


class _SqliteLocal(Func):
    """SQLite: a native date function applied to a UTC datetime shifted by the fixed offset."""

    sql_template = ""
    output_field = models.DateField()

    def as_sql(self, compiler, connection, **extra_context):
        offset = fixed_offset_minutes()
        template = self.sql_template.replace("OFFSET", f"{offset:+d} minutes")
        return super().as_sql(compiler, connection, template=template, **extra_context)


class _SqliteDay(_SqliteLocal):
    sql_template = "date(%(expressions)s, 'OFFSET')"


class _SqliteWeek(_SqliteLocal):
    # 'weekday 0' moves forward to Sunday (or stays), six days back is that week's Monday.
    sql_template = "date(%(expressions)s, 'OFFSET', 'weekday 0', '-6 days')"


class _SqliteMonth(_SqliteLocal):
    sql_template = "date(%(expressions)s, 'OFFSET', 'start of month')"


class _SqliteWeekday(_SqliteLocal):
    # strftime('%w'): 0 = Sunday; shift so that 0 = Monday.
    sql_template = "((CAST(strftime('%%%%w', %(expressions)s, 'OFFSET') AS INTEGER) + 6) %%%% 7)"
    output_field = models.IntegerField()


class _SqliteHour(_SqliteLocal):
    sql_template = "CAST(strftime('%%%%H', %(expressions)s, 'OFFSET') AS INTEGER)"
    output_field = models.IntegerField()


def _native_sqlite() -> bool:
    from django.db import connection

    return connection.vendor == "sqlite" and fixed_offset_minutes() is not None


PERIODS = ("day", "week", "month")


def local_period(field: str, period: str):
    """The local calendar day, week (its Monday) or month (its 1st) of a datetime field, as a date."""
    if period not in PERIODS:
        raise ValueError(period)
    if _native_sqlite():
        return {"day": _SqliteDay, "week": _SqliteWeek, "month": _SqliteMonth}[period](field)
    if period == "day":
        return TruncDate(field)
    if period == "week":
        return TruncWeek(field, output_field=models.DateField())
    return TruncMonth(field, output_field=models.DateField())


def local_weekday(field: str):
    """0 = Monday ... 6 = Sunday, in the practice's time zone."""
    if _native_sqlite():
        return _SqliteWeekday(field)
    return ExtractIsoWeekDay(field) - 1


def local_hour(field: str):
    if _native_sqlite():
        return _SqliteHour(field)
    return ExtractHour(field)


class SecondsBetween(Func):
    """Seconds from the first datetime to the second (float), computed natively."""

    output_field = models.FloatField()
    arity = 2

    def _operands(self, compiler):
        first, second = self.source_expressions
        a, a_params = compiler.compile(first)
        b, b_params = compiler.compile(second)
        return a, b, (*b_params, *a_params)

    def as_sqlite(self, compiler, connection, **extra_context):
        a, b, params = self._operands(compiler)
        return f"((julianday({b}) - julianday({a})) * 86400.0)", params

    def as_sql(self, compiler, connection, **extra_context):
        a, b, params = self._operands(compiler)
        return f"EXTRACT(EPOCH FROM ({b} - {a}))::double precision", params


# --- The SQLite index of appointments by local day ---------------------------------------------------
#
# The dashboard counts appointments per local day, status and scan type over a year (two thirds of a
# million rows at a million appointments). SQLite groups by sorting every row, and computes date() for
# each; an index on exactly that expression gives the rows already in order, so the query reads the
# index alone, in order, without a sort (measured at 1,000,000 appointments: 63 ms against 345 ms).
# The expression must be the one `local_period(field, "day")` compiles to, offset included, so the
# index follows the practice's time zone: made (or replaced) after every migrate. PostgreSQL needs
# no such index (it aggregates by hashing).

DAY_INDEX_PREFIX = "analytics_appointment_local_day"


def _day_index() -> tuple[str, str] | None:
    from portal.booking.models import Appointment

    offset = fixed_offset_minutes()
    if offset is None:
        return None
    name = f"{DAY_INDEX_PREFIX}_{'e' if offset >= 0 else 'w'}{abs(offset)}"
    table = Appointment._meta.db_table
    return name, (f'CREATE INDEX IF NOT EXISTS "{name}" ON "{table}" '
                  f"(date(\"start\", '{offset:+d} minutes'), \"status\", \"scan_type_id\")")


def ensure_day_index(using: str = "default", **kwargs) -> None:
    """Create the local-day index for the current time zone on SQLite; drop one made for another zone."""
    from django.db import connections

    from portal.booking.models import Appointment

    connection = connections[using]
    if connection.vendor != "sqlite":
        return
    with connection.cursor() as cursor:
        if Appointment._meta.db_table not in connection.introspection.table_names(cursor):
            return
        wanted = _day_index()
        cursor.execute("SELECT name FROM sqlite_master WHERE type = 'index' AND name LIKE %s",
                       [DAY_INDEX_PREFIX + "%"])
        for (name,) in cursor.fetchall():
            if wanted is None or name != wanted[0]:
                cursor.execute(f'DROP INDEX "{name}"')
        if wanted is not None:
            cursor.execute(wanted[1])

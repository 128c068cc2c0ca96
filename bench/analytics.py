"""Benchmark of the analytics dashboard on a throwaway database.

    .venv/bin/python bench/analytics.py --appointments 1000000 --db both

For each database (a SQLite file under /tmp; PostgreSQL database h_analytics_bench on
127.0.0.1:5432, user postgres, created and dropped here) it prints:
  - seed time (seed_history: generation + bulk insert) against a raw executemany of the same rows
    (goal: executemany / seed >= 0.5);
  - the dashboard's server time (the whole view: queries, pandas, Bokeh, template) against
    hand-written SQL GROUP BY queries for the same figures (goal: dashboard / SQL <= 1.2);
  - loading the raw rows into pandas and computing the same figures there, against the dashboard
    (goal: pandas / dashboard >= 5).
The last line of each run is one JSON object; with --db both the two JSON lines come last.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# This file is named like the app: import the project's `analytics`, not this script.
sys.path[:] = [str(ROOT)] + [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).resolve().parent]
PG_ADMIN_URL = "postgres://postgres@127.0.0.1:5432/postgres"
PG_BENCH_DB = os.environ.get("ANALYTICS_BENCH_DB", "h_analytics_bench")  # one per concurrent run


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--appointments", type=int, default=1_000_000)
    parser.add_argument("--db", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument("--repeat", type=int, default=3, help="timed repetitions (median is used)")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        run(args.appointments, args.repeat)
        return
    results = []
    for db in (["sqlite", "postgres"] if args.db == "both" else [args.db]):
        results.append(run_in_child(db, args.appointments, args.repeat))
    for line in results:
        print(line)


def run_in_child(db: str, n: int, repeat: int) -> str:
    env = dict(os.environ)
    env.update({"DJANGO_SETTINGS_MODULE": "tests.settings", "DJANGO_STAFF_MFA_REQUIRED": "0",
                "DJANGO_LOG_LEVEL": "WARNING", "PYTHONPATH": str(ROOT)})
    sqlite_path = Path(f"/tmp/analytics-bench-{os.getpid()}.sqlite3")
    if db == "sqlite":
        env["DATABASE_URL"] = f"sqlite:///{sqlite_path}"
    else:
        _pg_admin(f"DROP DATABASE IF EXISTS {PG_BENCH_DB}")
        _pg_admin(f"CREATE DATABASE {PG_BENCH_DB}")
        env["DATABASE_URL"] = f"postgres://postgres@127.0.0.1:5432/{PG_BENCH_DB}"
    try:
        proc = subprocess.run([sys.executable, __file__, "--child", "--appointments", str(n), "--repeat", str(repeat)],
                              env=env, cwd=ROOT, stdout=subprocess.PIPE, text=True, check=True)
        sys.stdout.write(proc.stdout)
        return proc.stdout.strip().splitlines()[-1]
    finally:
        if db == "sqlite":
            for suffix in ("", "-wal", "-shm", "-journal"):
                Path(str(sqlite_path) + suffix).unlink(missing_ok=True)
        else:
            _pg_admin(f"DROP DATABASE IF EXISTS {PG_BENCH_DB}")


def _pg_admin(sql: str) -> None:
    import psycopg

    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
        conn.execute(sql)


def _median_time(fn, repeat: int) -> tuple[float, object]:
    times, result = [], None
    for _ in range(repeat):
        started = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - started)
    return statistics.median(times), result


def run(n: int, repeat: int) -> None:
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    vendor = connection.vendor
    print(f"== {vendor}: {n:,} appointments", flush=True)
    started = time.perf_counter()
    call_command("migrate", verbosity=0)
    print(f"migrate: {time.perf_counter() - started:.1f}s", flush=True)

    executemany_s = baseline_executemany(n)
    print(f"raw executemany of the same rows: {executemany_s:.1f}s", flush=True)

    from analytics.demo import seed_history

    started = time.perf_counter()
    seed_history(n, stdout=io.StringIO(), seed=8)
    seed_s = time.perf_counter() - started
    print(f"seed_history (generate + bulk insert): {seed_s:.1f}s", flush=True)
    if vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    else:
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")

    client = manager_client()
    url = "/analytics/dashboard/"
    response = client.get(url)  # warm up: imports, caches, first connection
    assert response.status_code == 200, response.status_code
    from analytics.filters import default_filters
    from analytics.queries import key_figures

    figures = key_figures(default_filters())
    from django.core.cache import cache

    def cold():
        cache.clear()  # charts drawn again too
        return client.get(url)

    cold_s, _ = _median_time(cold, repeat)
    dashboard_s, _ = _median_time(lambda: client.get(url), repeat)
    data_s, _ = _median_time(dashboard_data, repeat)
    sql_s, sql_figures = _median_time(lambda: raw_sql(vendor), repeat)
    pandas_s, pandas_figures = _median_time(lambda: pandas_figures_(vendor), max(1, repeat // 2))
    check_same(figures, sql_figures, "raw SQL")
    check_same(figures, pandas_figures, "pandas")
    print(f"dashboard view (server time, median of {repeat}): {dashboard_s * 1000:.0f} ms "
          f"(of which queries + pandas: {data_s * 1000:.0f} ms); with the charts drawn again (cache cleared): "
          f"{cold_s * 1000:.0f} ms")
    print(f"raw SQL GROUP BY, same figures: {sql_s * 1000:.0f} ms -> dashboard / SQL = {dashboard_s / sql_s:.2f} "
          f"(goal <= 1.2; data layer / SQL = {data_s / sql_s:.2f})")
    print(f"raw rows into pandas, same figures: {pandas_s * 1000:.0f} ms -> pandas / dashboard = "
          f"{pandas_s / dashboard_s:.1f}x (goal >= 5)")
    print(f"seed {seed_s:.1f}s vs raw executemany {executemany_s:.1f}s -> executemany / seed = "
          f"{executemany_s / seed_s:.2f} (goal >= 0.5)")
    print("taken under load: load average {:.2f} {:.2f} {:.2f} on {} cores".format(*os.getloadavg(), os.cpu_count()))
    print(json.dumps({
        "db": "postgres" if vendor == "postgresql" else vendor, "appointments": n,
        "load_average": [round(x, 2) for x in os.getloadavg()],
        "dashboard_vs_sql": round(dashboard_s / sql_s, 3),
        "pandas_vs_dashboard": round(pandas_s / dashboard_s, 3),
        "seed_vs_executemany": round(executemany_s / seed_s, 3),
        "dashboard_cold_vs_sql": round(cold_s / sql_s, 3),
    }), flush=True)


def baseline_executemany(n: int) -> float:
    """Insert the rows of an identical history with cursor.executemany (rows prepared beforehand, untimed),
    then empty the tables again."""
    from django.conf import settings
    from django.db import connection, transaction
    from django.utils import timezone

    from analytics.bulk import prepare_rows
    from analytics.demo import _catalogue, create_rooms, history_frames, next_ids
    from analytics.synthetic import generate

    now = timezone.now()
    scans, plans, radiologists = _catalogue()
    history = generate(n, now=now, scans=scans, plans=plans, radiologists=radiologists,
                       time_zone=settings.TIME_ZONE, seed=8)
    room_pk = create_rooms(history, batch="baseline")
    frames = history_frames(history, batch="baseline", room_pk=room_pk, first_ids=next_ids())
    prepared = [(model, *prepare_rows(model, df)) for model, df in frames]
    del history, frames
    started = time.perf_counter()
    with transaction.atomic(), connection.cursor() as cursor:
        for _, sql, rows in prepared:
            cursor.executemany(sql, rows)
    elapsed = time.perf_counter() - started
    tables = [model._meta.db_table for model, *_ in reversed(prepared)]
    with transaction.atomic(), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("TRUNCATE {} CASCADE".format(", ".join(tables)))
        else:
            for table in tables:
                cursor.execute(f"DELETE FROM {table}")
    # (the throwaway database's users go too; seed_history makes its radiologists again)
    from portal.booking.models import Room

    Room.objects.filter(name__startswith="hist-baseline").delete()
    return elapsed


def manager_client():
    from django.test import Client

    from portal.accounts.roles import Role
    from portal.accounts.tests.factories import UserFactory

    manager = UserFactory(email="bench-manager@example.test", roles=[Role.MANAGER])
    client = Client()
    client.force_login(manager)
    return client


def dashboard_data():
    from analytics import queries
    from analytics.filters import default_filters

    f = default_filters()
    with queries.shared_results():  # as the view does: one page shares its day counts
        return (queries.key_figures(f), queries.volume_by_period(f), queries.status_mix(f),
                queries.modality_mix(f))


def _bounds():
    import datetime as dt

    from django.utils import timezone

    from analytics.filters import default_filters

    f = default_filters()
    now = timezone.localtime()
    today = now.replace(hour=0, minute=0, second=0, microsecond=0)
    week = today - dt.timedelta(days=today.weekday())
    month = today.replace(day=1)
    next_month = (month + dt.timedelta(days=32)).replace(day=1)
    return {"now": now, "today": today, "tomorrow": today + dt.timedelta(days=1), "week": week,
            "week_end": week + dt.timedelta(days=7), "month": month, "next_month": next_month,
            "rs": f.start_at, "re": f.end_before, "lo": min(month, week, f.start_at),
            "hi": max(next_month, week + dt.timedelta(days=7), f.end_before)}


def raw_sql(vendor: str) -> dict:
    """The dashboard's figures and tables with hand-written SQL (one statement per figure group)."""
    from django.db import connection

    b = _bounds()
    p = {k: connection.ops.adapt_datetimefield_value(v) for k, v in b.items()}
    if vendor == "sqlite":
        week_expr = "date(a.start, '+120 minutes', 'weekday 0', '-6 days')"
    else:
        week_expr = "date_trunc('week', a.start AT TIME ZONE 'Africa/Harare')::date"
    # turnaround: stamped on each appointment's first signed report when it is signed
    seconds = "r.turnaround_seconds"
    out = {}
    with connection.cursor() as c:
        c.execute("""
            SELECT SUM(CASE WHEN status <> 'cancelled' AND start >= %(today)s AND start < %(tomorrow)s
                            THEN 1 ELSE 0 END),
                   SUM(CASE WHEN status <> 'cancelled' AND start >= %(week)s AND start < %(week_end)s
                            THEN 1 ELSE 0 END),
                   SUM(CASE WHEN status <> 'cancelled' AND start >= %(month)s AND start < %(next_month)s
                            THEN 1 ELSE 0 END),
                   SUM(CASE WHEN start >= %(rs)s AND start < %(re)s AND start < %(now)s
                            AND status IN ('checked_in', 'completed', 'no_show') THEN 1 ELSE 0 END),
                   SUM(CASE WHEN start >= %(rs)s AND start < %(re)s AND start < %(now)s AND status = 'no_show'
                            THEN 1 ELSE 0 END)
            FROM booking_appointment WHERE start >= %(lo)s AND start < %(hi)s
        """, p)
        today, week, month, outcomes, no_shows = c.fetchone()
        out.update(today=today or 0, week=week or 0, month=month or 0,
                   no_show_rate=(no_shows / outcomes) if outcomes else None)
        c.execute("""SELECT SUM(amount - refunded_amount) FROM payments_payment
                     WHERE status IN ('paid', 'partially_refunded', 'refunded') AND paid_at >= %(month)s
                     AND paid_at < %(now)s""", p)
        out["revenue_mtd"] = float(c.fetchone()[0] or 0)
        c.execute("""SELECT COUNT(*), AVG(f.overall), SUM(CASE WHEN f.recommend >= 9 THEN 1 ELSE 0 END),
                            SUM(CASE WHEN f.recommend <= 6 THEN 1 ELSE 0 END)
                     FROM feedback_feedback f JOIN booking_appointment a ON a.id = f.appointment_id
                     WHERE a.start >= %(rs)s AND a.start < %(re)s""", p)
        n, avg, promoters, detractors = c.fetchone()
        out.update(average_rating=float(avg) if avg is not None else None,
                   nps=100.0 * (promoters - detractors) / n if n else None)
        first_signed = """FROM reports_report r JOIN booking_appointment a ON a.id = r.appointment_id
              WHERE a.start >= %(rs)s AND a.start < %(re)s AND r.turnaround_seconds IS NOT NULL"""
        if vendor == "sqlite":
            c.execute(f"""SELECT rn, cnt, v FROM (
                          SELECT {seconds} AS v, ROW_NUMBER() OVER (ORDER BY {seconds}) AS rn,
                          COUNT(*) OVER () AS cnt {first_signed}) t
                          WHERE rn IN ((cnt - 1) * 50 / 100 + 1, ((cnt - 1) * 50 + 99) / 100 + 1,
                                       (cnt - 1) * 90 / 100 + 1, ((cnt - 1) * 90 + 99) / 100 + 1)""", p)
            rows = c.fetchall()
            ranked = {rn: v for rn, _, v in rows}
            median = None
            if rows:
                cnt = rows[0][1]
                h = (cnt - 1) * 0.5 + 1
                lo, hi = int(h), -int(-h // 1)
                median = ranked[lo] + (h - lo) * (ranked[hi] - ranked[lo])
        else:
            c.execute(f"""SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY {seconds}),
                                 percentile_cont(0.9) WITHIN GROUP (ORDER BY {seconds}) {first_signed}""", p)
            median = c.fetchone()[0]
        out["median_turnaround_hours"] = median / 3600.0 if median is not None else None
        c.execute(f"""SELECT {week_expr} AS p, COUNT(*), SUM(CASE WHEN a.status = 'no_show' THEN 1 ELSE 0 END)
                      FROM booking_appointment a WHERE a.start >= %(rs)s AND a.start < %(re)s
                      AND a.status <> 'cancelled' GROUP BY p ORDER BY p""", p)
        out["volume"] = c.fetchall()
        c.execute("""SELECT status, COUNT(*) FROM booking_appointment WHERE start >= %(rs)s AND start < %(re)s
                     GROUP BY status""", p)
        out["status"] = dict(c.fetchall())
        c.execute("""SELECT s.modality, COUNT(*) FROM booking_appointment a JOIN catalogue_scantype s
                     ON s.id = a.scan_type_id WHERE a.start >= %(rs)s AND a.start < %(re)s AND a.status <> 'cancelled'
                     GROUP BY s.modality""", p)
        out["modality"] = dict(c.fetchall())
    return out


def pandas_figures_(vendor: str) -> dict:
    """Load the raw rows into pandas and compute the same figures there."""
    import pandas as pd
    from django.db import connection

    def frame(sql: str, columns: list[str]) -> pd.DataFrame:
        with connection.cursor() as c:
            c.execute(sql)
            return pd.DataFrame(c.fetchall(), columns=columns)

    b = {k: pd.Timestamp(v).tz_convert("UTC") for k, v in _bounds().items()}
    appts = frame("SELECT a.id, a.start, a.status, s.modality FROM booking_appointment a "
                  "JOIN catalogue_scantype s ON s.id = a.scan_type_id", ["id", "start", "status", "modality"])
    pays = frame("SELECT amount, refunded_amount, status, paid_at FROM payments_payment",
                 ["amount", "refunded", "status", "paid_at"])
    fbs = frame("SELECT appointment_id, overall, recommend FROM feedback_feedback", ["appointment_id", "overall",
                                                                                     "recommend"])
    reps = frame("SELECT appointment_id, turnaround_seconds FROM reports_report", ["appointment_id", "seconds"])
    for df, cols in ((appts, ["start"]), (pays, ["paid_at"])):
        for col in cols:
            df[col] = pd.to_datetime(df[col], utc=True, format="ISO8601")
    booked = appts["status"] != "cancelled"
    s = appts["start"]
    in_range = (s >= b["rs"]) & (s < b["re"])
    out = {
        "today": int((booked & (s >= b["today"]) & (s < b["tomorrow"])).sum()),
        "week": int((booked & (s >= b["week"]) & (s < b["week_end"])).sum()),
        "month": int((booked & (s >= b["month"]) & (s < b["next_month"])).sum()),
    }
    outcome = in_range & (s < b["now"]) & appts["status"].isin(["checked_in", "completed", "no_show"])
    out["no_show_rate"] = (outcome & (appts["status"] == "no_show")).sum() / outcome.sum() if outcome.any() else None
    money = pays[pays["status"].isin(["paid", "partially_refunded", "refunded"]) & (pays["paid_at"] >= b["month"])
                 & (pays["paid_at"] < b["now"])]
    out["revenue_mtd"] = float((money["amount"].astype(float) - money["refunded"].astype(float)).sum())
    fb = fbs.merge(appts[in_range][["id"]], left_on="appointment_id", right_on="id")
    out["average_rating"] = float(fb["overall"].mean()) if len(fb) else None
    out["nps"] = 100.0 * ((fb["recommend"] >= 9).sum() - (fb["recommend"] <= 6).sum()) / len(fb) if len(fb) else None
    signed = reps.dropna(subset=["seconds"]).merge(appts[in_range][["id"]], left_on="appointment_id", right_on="id")
    hours = signed["seconds"].astype(float) / 3600
    out["median_turnaround_hours"] = float(hours.median()) if len(hours) else None
    local = s[in_range & booked].dt.tz_convert("Africa/Harare")
    week_start = (local.dt.tz_localize(None).dt.normalize()
                  - pd.to_timedelta(local.dt.day_of_week, unit="D"))
    out["volume"] = appts[in_range & booked].assign(p=week_start).groupby("p").agg(
        n=("id", "size"), no_shows=("status", lambda x: (x == "no_show").sum()))
    out["status"] = appts[in_range].groupby("status").size().to_dict()
    out["modality"] = appts[in_range & booked].groupby("modality").size().to_dict()
    return out


def check_same(figures: dict, other: dict, label: str) -> None:
    import math

    for key in ("today", "week", "month", "no_show_rate", "average_rating", "nps", "median_turnaround_hours"):
        a, b = figures[key], other[key]
        if a is None or b is None:
            assert a is None and b is None, (label, key, a, b)
        else:
            assert math.isclose(float(a), float(b), rel_tol=1e-6, abs_tol=1e-6), (label, key, a, b)
    assert math.isclose(float(figures["revenue_mtd"]), other["revenue_mtd"], abs_tol=0.005), (label, "revenue")


if __name__ == "__main__":
    main()

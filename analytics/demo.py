"""Demo data for analytics: a synthetic appointment history (``seed_demo --appointments N``).

The history belongs to synthetic patients (emails @history.demo.test, ordinary names), ends
yesterday (nothing on today's worklist or ahead, every scan reported), and happens in the practice's
real rooms within their opening hours, around the booking demo's appointments. (Without real rooms,
as in the benchmark, it gets rooms of its own named "hist-...".) Idempotent: when at least N
synthetic appointments exist nothing is added; otherwise the missing number is added as a new batch.
"""

from __future__ import annotations

import datetime as dt
import sys
import time
from decimal import Decimal

import numpy as np
import pandas as pd
from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group
from django.core.management.base import OutputWrapper
from django.core.management.color import no_style
from django.db import connection, transaction
from django.db.models import Max
from django.utils import timezone

from analytics.bulk import insert_frame
from analytics.synthetic import ScanChoice, generate
from portal.accounts.models import User
from portal.accounts.roles import Role
from portal.booking.models import Appointment, Room
from portal.catalogue.models import MedicalAidScheme, Modality, Plan, ScanType
from portal.core.clock import practice_tz
from portal.feedback.models import Feedback
from portal.payments.models import Payment
from portal.reports.models import Report

DOMAIN = "history.demo.test"
DEFAULT_APPOINTMENTS = 10_000

HIST_SCANS = [
    # code, name, modality, body part, minutes, price
    ("hist-xr-chest", "Chest X-ray", Modality.XRAY, "Chest", 15, "45.00"),
    ("hist-xr-limb", "Limb X-ray", Modality.XRAY, "Limb", 15, "40.00"),
    ("hist-us-abdo", "Abdominal ultrasound", Modality.ULTRASOUND, "Abdomen", 30, "90.00"),
    ("hist-ct-brain", "CT brain", Modality.CT, "Head", 30, "260.00"),
    ("hist-mri-knee", "MRI knee", Modality.MRI, "Knee", 45, "480.00"),
    ("hist-mammo", "Screening mammogram", Modality.MAMMOGRAPHY, "Breast", 20, "110.00"),
]
HIST_RADIOLOGISTS = [("Tinashe", "Gumbo"), ("Ruvimbo", "Chirwa"), ("Blessing", "Makoni")]


def synthetic_appointments():
    return Appointment.objects.filter(patient__email__endswith="@" + DOMAIN)


def seed(*, stdout, style, options) -> None:
    wanted = options.get("appointments") or DEFAULT_APPOINTMENTS
    have = synthetic_appointments().count()
    # The generator may place fewer than asked (times that collide are dropped), so "fewer than
    # wanted" does not mean "not seeded": without an explicit --appointments, any history is enough.
    if have >= wanted or (have and not options.get("appointments")):
        stdout.write(f"  history: {have:,} synthetic appointments already there (asked for {wanted:,})")
        return
    started = time.monotonic()
    made = seed_history(wanted - have, stdout=stdout)
    took = time.monotonic() - started
    stdout.write(style.SUCCESS(f"  history: {made:,} synthetic appointments added in {took:.1f}s"))


def _catalogue() -> tuple[list[ScanChoice], list[int], list[int]]:
    scans = list(ScanType.objects.filter(live=True).values_list("pk", "modality", "price", "duration_minutes"))
    if not scans:
        for code, name, modality, body_part, minutes, price in HIST_SCANS:
            ScanType.objects.get_or_create(code=code, defaults={
                "name": name, "modality": modality, "body_part": body_part, "duration_minutes": minutes,
                "price": Decimal(price), "live": True, "bookable_online": False,
            })
        scans = list(ScanType.objects.filter(code__startswith="hist-").values_list(
            "pk", "modality", "price", "duration_minutes"))
    plans = list(Plan.objects.filter(active=True).values_list("pk", flat=True))
    if not plans:
        scheme, _ = MedicalAidScheme.objects.get_or_create(name="hist- Demo Health", defaults={"short_name": "DemoH"})
        for name in ("hist- Standard", "hist- Comprehensive"):
            plans.append(Plan.objects.get_or_create(scheme=scheme, name=name)[0].pk)
    group, _ = Group.objects.get_or_create(name=Role.RADIOLOGIST)
    for i, (first, last) in enumerate(HIST_RADIOLOGISTS, start=1):
        user, created = User.objects.get_or_create(
            email=f"radiologist{i}@{DOMAIN}", defaults={"first_name": first, "last_name": last, "is_active": False})
        if created:
            user.set_unusable_password()
            user.save(update_fields=["password"])
            user.groups.add(group)
    radiologists = list(User.objects.filter(groups__name=Role.RADIOLOGIST).order_by("pk").values_list("pk", flat=True))
    return [ScanChoice(pk, m, float(p), d) for pk, m, p, d in scans], plans, radiologists


def _next_id(model) -> int:
    return (model.objects.aggregate(m=Max("pk"))["m"] or 0) + 1


class Progress:
    def __init__(self, stdout, total: int, label: str):
        self.stdout, self.total, self.label, self.done = stdout, total, label, 0
        self.started = time.monotonic()

    def advance(self, k: int) -> None:
        self.done += k
        share = self.done / self.total if self.total else 1
        bar = "#" * int(30 * share)
        elapsed = time.monotonic() - self.started
        line = f"\r  {self.label} [{bar:<30}] {share:6.1%} {self.done:,}/{self.total:,} {elapsed:5.0f}s"
        if isinstance(self.stdout, OutputWrapper):
            self.stdout.write(line, ending="")
        else:
            self.stdout.write(line)
        if hasattr(self.stdout, "flush"):
            self.stdout.flush()

    def finish(self) -> None:
        self.stdout.write("" if isinstance(self.stdout, OutputWrapper) else "\n")


def _real_rooms() -> dict[str, list[int]]:
    """The practice's active rooms per modality (the history happens in them)."""
    rooms: dict[str, list[int]] = {}
    for pk, modality in Room.objects.filter(active=True).order_by("name").values_list("pk", "modality"):
        rooms.setdefault(modality, []).append(pk)
    return rooms


def _busy(rooms: dict[str, list[int]]) -> dict[tuple[str, int, dt.date], list[tuple[int, int]]]:
    """(modality, room number, local day) -> [(start minute, end minute)] of the appointments already there."""
    tz = practice_tz()
    number = {pk: (modality, i) for modality, pks in rooms.items() for i, pk in enumerate(pks)}
    busy: dict[tuple[str, int, dt.date], list[tuple[int, int]]] = {}
    for room_id, start, end in Appointment.objects.active().filter(room_id__in=number).values_list(
            "room_id", "start", "end"):
        start, end = start.astimezone(tz), end.astimezone(tz)
        modality, i = number[room_id]
        busy.setdefault((modality, i, start.date()), []).append(
            (start.hour * 60 + start.minute, end.hour * 60 + end.minute if end.date() == start.date() else 24 * 60))
    return busy


def seed_history(n: int, *, stdout=sys.stdout, now: dt.datetime | None = None, seed: int | None = None,
                 days_ahead: int = 0) -> int:
    """Add `n` synthetic appointments (and their payments, feedback and reports), up to yesterday, in
    the practice's real rooms and within their opening hours when the demo has them."""
    from portal.booking.hours import practice_week_hours

    now = now or timezone.now()
    scans, plans, radiologists = _catalogue()
    batch = f"{int(now.timestamp())}"
    week = practice_week_hours()
    hours = {day: (o.hour + o.minute / 60, c.hour + c.minute / 60) for day, (o, c) in week.items()} or None
    rooms = _real_rooms()
    modalities = {s.modality for s in scans}
    real = rooms if rooms and modalities <= set(rooms) else None
    history = generate(n, now=now, scans=scans, plans=plans, radiologists=radiologists,
                       time_zone=settings.TIME_ZONE, seed=seed if seed is not None else int(batch) % 100_000,
                       hours=hours, rooms_per_modality={m: len(pks) for m, pks in real.items()} if real else None,
                       busy=_busy(real) if real else None, days_ahead=days_ahead)
    write_history(history, batch=batch, stdout=stdout, real_rooms=real)
    from analytics.summary import daily_summary_heal

    daily_summary_heal(after_bulk_load=True)  # the bulk insert bypassed the summary's receivers
    return len(history.appointments)


def write_history(history, *, batch: str, stdout=sys.stdout, real_rooms: dict[str, list[int]] | None = None) -> None:
    with transaction.atomic():
        if real_rooms:
            room_pk = np.array([real_rooms[m][k] for m, k in zip(history.rooms["modality"], history.rooms["number"],
                                                                  strict=True)])
        else:
            room_pk = create_rooms(history, batch=batch)
        frames = history_frames(history, batch=batch, room_pk=room_pk, first_ids=next_ids())
        progress = Progress(stdout, sum(len(df) for _, df in frames), "history rows")
        for model, frame in frames:
            insert_frame(model, frame, progress=progress.advance)
        progress.finish()
        _reset_sequences(*(model for model, _ in frames))


def create_rooms(history, *, batch: str) -> np.ndarray:
    rooms = [Room(name=f"hist-{batch} {Modality(m).label} {k + 1}", modality=m, active=False)
             for m, k in zip(history.rooms["modality"], history.rooms["number"], strict=True)]
    Room.objects.bulk_create(rooms)
    room_ids = dict(Room.objects.filter(name__in=[r.name for r in rooms]).values_list("name", "pk"))
    return np.array([room_ids[r.name] for r in rooms])


def next_ids() -> dict:
    through = User.groups.through
    return {model: _next_id(model) for model in (User, through, Appointment, Payment, Feedback, Report)}


def history_frames(history, *, batch: str, room_pk: np.ndarray, first_ids: dict) -> list[tuple[type, pd.DataFrame]]:
    """The rows to insert, per model, as DataFrames named by field attnames (ids given)."""
    a, pay, fb, rep = history.appointments, history.payments, history.feedback, history.reports
    through = User.groups.through
    first_user = first_ids[User]
    users = pd.DataFrame({
        "id": first_user + np.arange(len(history.patients)),
        "email": [f"p{batch}-{i + 1}@{DOMAIN}" for i in range(len(history.patients))],
        "first_name": history.patients["first_name"], "last_name": history.patients["last_name"],
        "date_of_birth": history.patients["date_of_birth"], "password": make_password(None),
        "notify_by_email": False, "date_joined": timezone.now(),
    })
    group, _ = Group.objects.get_or_create(name=Role.PATIENT)
    memberships = pd.DataFrame({"id": first_ids[through] + np.arange(len(users)), "user_id": users["id"],
                                "group_id": group.pk})
    appt_pk = first_ids[Appointment] + np.arange(len(a))
    patient_pk = first_user + a["patient"].to_numpy()
    appointments = a.drop(columns=["patient", "room"]).assign(
        id=appt_pk, patient_id=patient_pk, booked_by_id=patient_pk, room_id=room_pk[a["room"].to_numpy()],
        plan_id=a["plan_id"].where(a["plan_id"] > 0, None).astype(object),
        created_at=a["requested_at"], updated_at=a["requested_at"],
    )
    requested = a["requested_at"].to_numpy()
    payments = pay.drop(columns=["appointment"]).assign(
        id=first_ids[Payment] + np.arange(len(pay)), appointment_id=appt_pk[pay["appointment"].to_numpy()],
        currency=settings.CURRENCY,
        created_at=pay["paid_at"].fillna(pd.Series(requested[pay["appointment"].to_numpy()], index=pay.index)),
    )
    payments["updated_at"] = payments["created_at"]
    feedback = fb.drop(columns=["appointment"]).assign(
        id=first_ids[Feedback] + np.arange(len(fb)), appointment_id=appt_pk[fb["appointment"].to_numpy()],
        updated_at=fb["created_at"],
    )
    reports = rep.drop(columns=["appointment"]).assign(
        id=first_ids[Report] + np.arange(len(rep)), appointment_id=appt_pk[rep["appointment"].to_numpy()],
        version=1, findings="Synthetic history report.", updated_at=rep["signed_at"].fillna(rep["created_at"]),
    )
    return [(User, users), (through, memberships), (Appointment, appointments), (Payment, payments),
            (Feedback, feedback), (Report, reports)]


def _reset_sequences(*models) -> None:
    statements = connection.ops.sequence_reset_sql(no_style(), list(models))
    if statements:
        with connection.cursor() as cursor:
            for sql in statements:
                cursor.execute(sql)

"""Demo rooms, hours, closures and a few weeks of appointments around today. Idempotent."""

from __future__ import annotations

import datetime as dt
import random

from django.db import transaction
from django.utils import timezone

from portal.accounts.models import User
from portal.booking import services
from portal.booking.models import Appointment, Closure, OpeningHours, Room
from portal.booking.schedule import compute_slots
from portal.catalogue.models import Modality, Plan, ScanType
from portal.catalogue.selectors import quote_for
from portal.core.clock import practice_tz

ROOMS = [
    ("X-ray 1", Modality.XRAY),
    ("X-ray 2", Modality.XRAY),
    ("Ultrasound 1", Modality.ULTRASOUND),
    ("Ultrasound 2", Modality.ULTRASOUND),
    ("CT 1", Modality.CT),
    ("MRI 1", Modality.MRI),
    ("Mammography 1", Modality.MAMMOGRAPHY),
    ("DEXA 1", Modality.DEXA),
    ("Fluoroscopy 1", Modality.FLUOROSCOPY),
]
WEEKDAY_HOURS = (dt.time(7, 30), dt.time(17, 0))
SATURDAY_HOURS = (dt.time(8, 0), dt.time(12, 0))
DEMO_PATIENTS = ["patient@demo.test", "patient2@demo.test"]
Status = Appointment.Status


def _rooms(stdout) -> None:
    made = 0
    for name, modality in ROOMS:
        room, created = Room.objects.get_or_create(name=name, defaults={"modality": modality})
        made += created
        if not room.opening_hours.exists():
            for weekday in range(5):
                OpeningHours.objects.create(room=room, weekday=weekday, opens=WEEKDAY_HOURS[0], closes=WEEKDAY_HOURS[1])
            OpeningHours.objects.create(room=room, weekday=5, opens=SATURDAY_HOURS[0], closes=SATURDAY_HOURS[1])
    today = timezone.localdate()
    maintenance = today + dt.timedelta(days=(3 - today.weekday()) % 7 + 7)  # a Thursday, next week or the one after
    mri = Room.objects.get(name="MRI 1")
    Closure.objects.get_or_create(
        room=mri, reason="Scanner maintenance (demo)", defaults={"start_date": maintenance, "end_date": maintenance}
    )
    holiday = today + dt.timedelta(days=25)
    Closure.objects.get_or_create(
        room=None, reason="Public holiday (demo)", defaults={"start_date": holiday, "end_date": holiday}
    )
    stdout.write(
        f"  rooms: {made} created, {len(ROOMS) - made} already there; weekday and Saturday-morning hours; 2 closures"
    )


def _free_past_start(scan: ScanType, day: dt.date, rng: random.Random) -> tuple[Room, dt.datetime] | None:
    tz = practice_tz()
    rooms = list(Room.objects.filter(modality=scan.modality, active=True))
    if not rooms or day.weekday() == 6:
        return None
    closes = SATURDAY_HOURS[1] if day.weekday() == 5 else WEEKDAY_HOURS[1]
    for _ in range(40):
        minute = rng.randrange(8 * 60, closes.hour * 60 - scan.duration_minutes, 15)
        start = dt.datetime.combine(day, dt.time(minute // 60, minute % 60), tzinfo=tz)
        end = start + dt.timedelta(minutes=scan.duration_minutes)
        if end > timezone.now():
            continue  # history only
        for room in rooms:
            if not Appointment.objects.active().filter(room=room, start__lt=end, end__gt=start).exists():
                return room, start
    return None


def _past(patient: User, scan: ScanType, plan: Plan | None, day: dt.date, status: str, rng: random.Random) -> bool:
    placed = _free_past_start(scan, day, rng)
    if placed is None:
        return False
    room, start = placed
    quote = quote_for(scan_type=scan, plan=plan)
    booked = start - dt.timedelta(days=rng.randint(3, 14))
    fields = {
        "patient": patient,
        "scan_type": scan,
        "room": room,
        "start": start,
        "end": start + dt.timedelta(minutes=scan.duration_minutes),
        "status": Status.CONFIRMED,
        "requested_at": booked,
        "confirmed_at": booked,
        "price": quote.total,
        "plan": plan,
        "member_number": "DEMO-123456" if plan else "",
        "covered_amount": quote.covered,
        "co_payment": quote.co_payment,
        "patient_amount": quote.patient_pays,
        "booked_by": patient,
    }
    with transaction.atomic():
        appointment = Appointment(**fields)
        appointment.full_clean()
        appointment.save()
        # the transitions as they would have happened, stamped at their historical times
        if status in (Status.CHECKED_IN, Status.COMPLETED):
            appointment.status, appointment.checked_in_at = Status.CHECKED_IN, start - dt.timedelta(minutes=10)
        if status == Status.COMPLETED:
            appointment.status, appointment.completed_at = (
                Status.COMPLETED,
                start + dt.timedelta(minutes=scan.duration_minutes),
            )
        if status == Status.NO_SHOW:
            appointment.status, appointment.no_show_at = Status.NO_SHOW, start + dt.timedelta(minutes=30)
        if status == Status.CANCELLED:
            appointment.status, appointment.cancelled_at = Status.CANCELLED, start - dt.timedelta(days=1)
            appointment.cancellation_reason, appointment.cancelled_by = "Could not get time off work (demo)", patient
        appointment.save()
    return True


def _future(
    patient: User, scan: ScanType, plan: Plan | None, day: dt.date, answers: dict, staff: User | None
) -> Appointment | None:
    rooms = list(Room.objects.filter(modality=scan.modality, active=True))
    slots = compute_slots(scan_type=scan, rooms=rooms, first_day=day, last_day=day + dt.timedelta(days=3), staff=True)
    if not slots:
        return None
    slot = slots[len(slots) // 3]
    try:
        return services.appointment_book(
            patient=patient,
            scan_type=scan,
            start=slot.start,
            plan=plan,
            member_number="DEMO-123456" if plan else "",
            screening_answers=answers,
            booked_by=staff or patient,
        )
    except services.SlotTaken:
        return None


def _safe_answers(scan: ScanType, **overrides) -> dict:
    from portal.booking.screening import questions_for

    answers = {q.key: "no" for q in questions_for(scan.screening_kinds)}
    answers.update({k: v for k, v in overrides.items() if k in answers})
    return answers


def _appointments(stdout) -> None:
    patients = list(User.objects.filter(email__in=DEMO_PATIENTS).order_by("email"))
    scans = list(ScanType.objects.live().order_by("modality", "name"))
    if not patients:
        stdout.write("  appointments: skipped (no demo patients)")
        return
    if not scans:
        stdout.write("  appointments: skipped (the catalogue has no scan types yet; run seed_demo again after it has)")
        return
    if Appointment.objects.filter(patient__in=patients).exists():
        stdout.write("  appointments: already there")
        return
    rng = random.Random(2026)
    plan = Plan.objects.filter(active=True, scheme__active=True).order_by("pk").first()
    staff = User.objects.filter(email="reception@demo.test").first()
    today = timezone.localdate()
    made = 0
    past_plan = [
        (-21, Status.COMPLETED),
        (-17, Status.COMPLETED),
        (-14, Status.NO_SHOW),
        (-10, Status.COMPLETED),
        (-7, Status.CANCELLED),
        (-4, Status.COMPLETED),
        (-2, Status.COMPLETED),
        (-1, Status.NO_SHOW),
    ]
    for i, (offset, status) in enumerate(past_plan):
        patient = patients[i % len(patients)]
        made += _past(
            patient, scans[i % len(scans)], plan if i % 2 == 0 else None, today + dt.timedelta(days=offset), status, rng
        )
    # earlier today: already seen
    for i, status in enumerate([Status.COMPLETED, Status.COMPLETED, Status.CHECKED_IN]):
        made += _past(
            patients[i % len(patients)], scans[(i + 2) % len(scans)], plan if i % 2 else None, today, status, rng
        )
    # later today: filling the worklist (booked by reception, so no lead time applies)
    for i, scan in enumerate(scans[:6]):
        made += bool(
            _future(patients[i % len(patients)], scan, plan if i % 2 else None, today, _safe_answers(scan), staff)
        )
    # the weeks ahead: confirmed, one awaiting a radiologist's review, one cancelled
    for i, offset in enumerate([2, 5, 9, 14, 19]):
        scan = scans[(i * 3 + 1) % len(scans)]
        if _future(
            patients[i % len(patients)],
            scan,
            plan if i % 2 == 0 else None,
            today + dt.timedelta(days=offset),
            _safe_answers(scan),
            None,
        ):
            made += 1
    screened = next((s for s in scans if s.mri_safety_screening), None) or next(
        (s for s in scans if s.screening_kinds), None
    )
    if screened is not None:  # answers a radiologist must review before the appointment is confirmed
        answers = _safe_answers(screened, implants="yes", claustrophobia="yes", kidney_disease="yes")
        made += bool(_future(patients[0], screened, plan, today + dt.timedelta(days=6), answers, None))
    to_cancel = _future(
        patients[1 % len(patients)], scans[0], None, today + dt.timedelta(days=11), _safe_answers(scans[0]), None
    )
    if to_cancel is not None:
        services.appointment_cancel(
            appointment=to_cancel, by=to_cancel.patient, reason="Booked twice by mistake (demo)"
        )
        made += 1
    stdout.write(f"  appointments: {made} created for {', '.join(p.email for p in patients)}")


def seed(*, stdout, style, options) -> None:
    _rooms(stdout)
    _appointments(stdout)

"""A small fixed data set whose dashboard figures are computed by hand in the tests."""

from __future__ import annotations

import datetime as dt
import zoneinfo
from decimal import Decimal

from portal.booking.models import Appointment
from portal.booking.tests.factories import AppointmentFactory, RoomFactory
from portal.catalogue.models import Modality
from portal.catalogue.tests.factories import ScanTypeFactory
from portal.feedback.models import Feedback
from portal.payments.models import Payment
from portal.reports.models import Report

HARARE = zoneinfo.ZoneInfo("Africa/Harare")
# A Wednesday: the week started Monday 16 March, the month on 1 March.
NOW = dt.datetime(2026, 3, 18, 12, 0, tzinfo=HARARE)


def at(day: int, hour: int, minute: int = 0, month: int = 3) -> dt.datetime:
    return dt.datetime(2026, month, day, hour, minute, tzinfo=HARARE)


def build() -> dict[str, Appointment]:
    S = Appointment.Status
    xray = ScanTypeFactory(code="fx-xray", name="Chest X-ray", modality=Modality.XRAY, price=Decimal("100.00"))
    ct = ScanTypeFactory(code="fx-ct", name="CT brain", modality=Modality.CT, price=Decimal("300.00"))
    xroom = RoomFactory(name="FX X-ray", modality=Modality.XRAY)
    croom = RoomFactory(name="FX CT", modality=Modality.CT)

    def appt(start, status, scan=xray, room=xroom, completed_minutes=None):
        stamps = {}
        if status == S.COMPLETED:
            stamps = {"checked_in_at": start - dt.timedelta(minutes=5),
                      "completed_at": start + dt.timedelta(minutes=completed_minutes)}
        if status == S.NO_SHOW:
            stamps = {"no_show_at": start + dt.timedelta(minutes=30)}
        if status == S.CANCELLED:
            stamps = {"cancelled_at": start - dt.timedelta(days=1)}
        return AppointmentFactory(scan_type=scan, room=room, start=start, end=start + dt.timedelta(minutes=15),
                                  status=status, requested_at=start - dt.timedelta(days=3), **stamps)

    a = {
        "a1": appt(at(18, 9), S.COMPLETED, completed_minutes=30),
        "a2": appt(at(18, 15), S.CONFIRMED),
        "a3": appt(at(18, 10), S.CANCELLED),
        "a4": appt(at(16, 9), S.NO_SHOW),
        "a5": appt(at(10, 9), S.COMPLETED, completed_minutes=20),
        "a6": appt(at(20, 9, month=2), S.COMPLETED, completed_minutes=30),
        "a7": appt(at(21, 9, month=2), S.NO_SHOW),
        "a8": appt(at(17, 11), S.COMPLETED, scan=ct, room=croom, completed_minutes=40),
    }
    P = Payment.Status

    def pay(key, amount, status, paid_at, method=Payment.Method.CASH, refunded="0"):
        Payment.objects.create(appointment=a[key], amount=Decimal(amount), currency="USD", method=method,
                               status=status, paid_at=paid_at, refunded_amount=Decimal(refunded))

    pay("a1", "100", P.PAID, at(18, 10))
    pay("a5", "80", P.PARTIALLY_REFUNDED, at(10, 10), refunded="30")
    pay("a6", "60", P.PAID, at(20, 10, month=2))  # last month
    pay("a8", "200", P.PENDING, None)  # not paid
    pay("a8", "40", P.REFUNDED, at(17, 12), refunded="40")  # fully refunded: 0
    pay("a8", "70", P.PAID, at(18, 11), method=Payment.Method.MEDICAL_AID_CLAIM)
    pay("a1", "25", P.PAID, at(18, 13))  # after "now"

    for key, overall, recommend in (("a1", 5, 10), ("a5", 4, 9), ("a6", 2, 3), ("a8", 3, 7)):
        Feedback.objects.create(appointment=a[key], overall=overall, waiting_time=3, staff=4, recommend=recommend,
                                comments=f"Comment {key}")

    def report(key, hours, version=1, status=Report.Status.SIGNED):
        signed = a[key].completed_at + dt.timedelta(hours=hours) if hours is not None else None
        # as signing does (reports.services): the turnaround is stamped on the first signed version only
        turnaround = int(hours * 3600) if signed and version == 1 else None
        Report.objects.create(appointment=a[key], version=version, status=status, signed_at=signed,
                              turnaround_seconds=turnaround)

    report("a1", 2)
    report("a5", 4, status=Report.Status.AMENDED)
    report("a5", 30, version=2)  # the amendment does not count
    report("a6", 10)
    report("a8", 6)
    return a

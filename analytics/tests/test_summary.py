"""The daily summary tables equal a fresh count of the appointments and payments, whatever happened."""

from __future__ import annotations

import contextlib
import datetime as dt
from collections import Counter, defaultdict
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.test import override_settings
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from analytics.models import DailyAppointmentSummary, DailyPaymentSummary
from analytics.summary import MONEY_IN_STATUSES, daily_summary_heal
from portal.booking.models import Appointment
from portal.booking.services import appointment_cancel, appointment_complete, appointment_mark_no_show
from portal.booking.tests.factories import AppointmentFactory, RoomFactory
from portal.catalogue.models import Modality
from portal.catalogue.tests.factories import ScanTypeFactory
from portal.payments.models import Payment
from portal.payments.services import payment_record_desk
from portal.payments.tests.factories import PaymentFactory

pytestmark = pytest.mark.django_db


def fresh_appointments() -> Counter:
    """Counted here in Python from the rows themselves, not by the code under test."""
    return Counter((timezone.localtime(a.start).date(), a.scan_type_id, a.scan_type.modality, a.status)
                   for a in Appointment.objects.select_related("scan_type"))


def fresh_payments() -> dict:
    totals: dict = defaultdict(lambda: [0, Decimal("0.00")])
    for p in Payment.objects.select_related("appointment__scan_type").filter(status__in=MONEY_IN_STATUSES):
        key = (timezone.localtime(p.paid_at).date(), p.appointment.scan_type_id, p.appointment.scan_type.modality,
               p.method, p.status)
        totals[key][0] += 1
        totals[key][1] += p.amount - p.refunded_amount
    return {key: (n, net) for key, (n, net) in totals.items()}


def stored_appointments() -> Counter:
    return Counter({(r.day, r.scan_type_id, r.modality, r.status): r.appointments
                    for r in DailyAppointmentSummary.objects.all()})


def stored_payments() -> dict:
    return {(r.day, r.scan_type_id, r.modality, r.method, r.status): (r.payments, r.net)
            for r in DailyPaymentSummary.objects.all()}


OPERATIONS = st.lists(st.tuples(
    st.sampled_from(["book", "cancel", "complete", "no_show", "pay", "refund", "move", "delete"]),
    st.integers(min_value=0, max_value=1000),  # which appointment / payment
    st.integers(min_value=-3 * 24 * 4, max_value=3 * 24 * 4),  # quarter hours from now: days either side
), min_size=1, max_size=15)


@override_settings(BOOKING_CHECK_IN_EARLY_MINUTES=60 * 24 * 400)  # completions of visits on any of the days
@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(operations=OPERATIONS)
def test_the_summary_equals_a_fresh_count_after_random_bookings_cancels_payments_and_refunds(operations):
    from portal.accounts.roles import Role
    from portal.accounts.tests.factories import user_with_role

    with transaction.atomic():
        staff = user_with_role(Role.RECEPTION)
        scans = [ScanTypeFactory(modality=Modality.XRAY), ScanTypeFactory(modality=Modality.MRI)]
        now = timezone.now().replace(second=0, microsecond=0)
        for op, which, quarter_hours in operations:
            appointments = list(Appointment.objects.order_by("pk"))
            payments = list(Payment.objects.order_by("pk"))
            start = now + dt.timedelta(minutes=15 * quarter_hours)
            if op == "book" or not appointments:
                i = which % 2  # a room of its own: moves and bookings never collide
                AppointmentFactory(scan_type=scans[i], room=RoomFactory(modality=scans[i].modality), start=start,
                                   end=start + dt.timedelta(minutes=15))
                continue
            appointment = appointments[which % len(appointments)]
            active = appointment.status not in (Appointment.Status.CANCELLED, Appointment.Status.NO_SHOW,
                                                Appointment.Status.COMPLETED)
            if op == "cancel" and active:
                appointment_cancel(appointment=appointment, by=staff, reason="test")
            elif op == "complete" and appointment.status == Appointment.Status.CONFIRMED:
                appointment.status = Appointment.Status.CHECKED_IN  # checked in, then the service completes
                appointment.checked_in_at = timezone.now()
                appointment.save()
                appointment_complete(appointment=appointment, by=staff)
            elif op == "no_show" and appointment.status == Appointment.Status.CONFIRMED and appointment.start < now:
                appointment_mark_no_show(appointment=appointment, by=staff)
            elif op == "pay" and appointment.status != Appointment.Status.CANCELLED:
                if which % 3:
                    with contextlib.suppress(ValidationError):  # nothing left to pay: refused, nothing changes
                        payment_record_desk(appointment=appointment, method=Payment.Method.CASH,
                                            amount=Decimal("10.00"), by=staff)
                else:  # an online payment stamped on another day
                    PaymentFactory(appointment=appointment, amount=Decimal("25.50"), method=Payment.Method.CARD_ONLINE,
                                   paid_at=start)
            elif op == "refund" and payments:
                payment = payments[which % len(payments)]
                if payment.refunded_amount < payment.amount:
                    payment.refunded_amount = min(payment.amount, payment.refunded_amount + Decimal("5.25"))
                    payment.refunded_at = timezone.now()
                    payment.status = (Payment.Status.REFUNDED if payment.refunded_amount == payment.amount
                                      else Payment.Status.PARTIALLY_REFUNDED)
                    payment.save()
            elif op == "move" and active:  # to another day (a reschedule)
                appointment.start, appointment.end = start, start + dt.timedelta(minutes=15)
                appointment.save()
            elif op == "delete" and not appointment.payments.exists():
                appointment.delete()
        assert stored_appointments() == fresh_appointments()
        assert stored_payments() == fresh_payments()
        assert daily_summary_heal() == 0  # nothing had drifted
        transaction.set_rollback(True)


def test_the_heal_repairs_a_summary_that_bulk_writes_bypassed(caplog):
    scan = ScanTypeFactory(modality=Modality.CT)
    AppointmentFactory(scan_type=scan)
    existing = AppointmentFactory(scan_type=scan)
    Appointment.objects.filter(pk=existing.pk).update(status=Appointment.Status.NO_SHOW)  # no signals
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM analytics_dailyappointmentsummary WHERE status = 'confirmed'")
    assert stored_appointments() != fresh_appointments()
    with caplog.at_level("INFO", logger="analytics.summary"):
        assert daily_summary_heal() >= 1
    assert stored_appointments() == fresh_appointments()
    assert daily_summary_heal() == 0
    assert [r.levelname for r in caplog.records] == ["WARNING"]  # drift the services missed is loud


def test_the_heal_after_a_bulk_load_says_so_quietly(caplog):
    AppointmentFactory()
    DailyAppointmentSummary.objects.all().delete()  # as after the demo's bulk insert of its history
    with caplog.at_level("INFO", logger="analytics.summary"):
        assert daily_summary_heal(after_bulk_load=True) >= 1
    assert [r.levelname for r in caplog.records] == ["INFO"]
    assert stored_appointments() == fresh_appointments()


def test_a_new_modality_of_a_scan_type_reaches_its_summary_rows():
    scan = ScanTypeFactory(modality=Modality.XRAY)
    PaymentFactory(appointment=AppointmentFactory(scan_type=scan))
    scan.modality = Modality.CT
    scan.save()
    assert set(DailyAppointmentSummary.objects.values_list("modality", flat=True)) == {Modality.CT}
    assert set(DailyPaymentSummary.objects.values_list("modality", flat=True)) == {Modality.CT}


def test_the_nightly_heal_is_scheduled():
    from django_q.models import Schedule

    schedule = Schedule.objects.get(func="analytics.tasks.heal_daily_summary")
    assert schedule.schedule_type == Schedule.DAILY and schedule.repeats == -1

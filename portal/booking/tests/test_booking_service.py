from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from portal.accounts.roles import Role
from portal.booking import services
from portal.booking.models import Appointment, Closure
from portal.booking.tests.conftest import local, open_every_day
from portal.booking.tests.factories import AppointmentFactory, RoomFactory
from portal.catalogue.models import Modality
from portal.catalogue.selectors import quote_for
from portal.catalogue.tests.factories import ScanTypeFactory
from portal.core import signals

pytestmark = pytest.mark.django_db
Status = Appointment.Status


def _book(patient, scan, start, **kwargs):
    defaults = {"plan": None, "member_number": "", "screening_answers": {}, "booked_by": patient}
    return services.appointment_book(patient=patient, scan_type=scan, start=start, **{**defaults, **kwargs})


def test_booking_stores_the_price_and_quote_and_confirms_when_nothing_needs_checking(patient, scan, room, plan, day):
    appointment = _book(patient, scan, local(day, 10), plan=plan, member_number=" M123 ")
    quote = quote_for(scan_type=scan, plan=plan)
    assert appointment.status == Status.CONFIRMED and appointment.confirmed_at is not None
    assert appointment.room == room and appointment.end - appointment.start == dt.timedelta(minutes=15)
    assert (appointment.price, appointment.covered_amount, appointment.co_payment, appointment.patient_amount) == (
        quote.total,
        quote.covered,
        quote.co_payment,
        quote.patient_pays,
    )
    assert appointment.member_number == "M123" and appointment.requested_at is not None


def test_a_later_price_change_does_not_rewrite_the_booked_price(patient, scan, room, day):
    appointment = _book(patient, scan, local(day, 10))
    scan.price = Decimal("999.00")
    scan.save()
    appointment.refresh_from_db()
    assert appointment.price == Decimal("100.00")


def test_a_scan_needing_a_referral_starts_requested(patient, room, day):
    scan = ScanTypeFactory(needs_referral=True)
    assert _book(patient, scan, local(day, 10)).status == Status.REQUESTED


def test_a_taken_slot_is_refused(patient, other_patient, scan, room, day):
    _book(patient, scan, local(day, 10))
    with pytest.raises(services.SlotTaken):
        _book(other_patient, scan, local(day, 10, 5))  # off the grid and overlapping
    with pytest.raises(services.SlotTaken):
        _book(other_patient, scan, local(day, 10))
    assert Appointment.objects.count() == 1


def test_a_second_room_takes_the_same_time(patient, other_patient, scan, room, day):
    second = open_every_day(RoomFactory(name="X-ray B", modality=Modality.XRAY))
    first = _book(patient, scan, local(day, 10))
    again = _book(other_patient, scan, local(day, 10))
    assert {first.room, again.room} == {room, second}


def test_closed_outside_hours_past_and_beyond_horizon_are_refused(patient, scan, room, day, settings):
    Closure.objects.create(start_date=day, end_date=day, reason="Holiday")
    with pytest.raises(services.SlotTaken):
        _book(patient, scan, local(day, 10))
    tomorrow = day + dt.timedelta(days=1)
    with pytest.raises(services.SlotTaken):
        _book(patient, scan, local(tomorrow, 7, 45))  # before opening
    with pytest.raises(services.SlotTaken):
        _book(patient, scan, local(tomorrow, 16, 50))  # would end after closing
    with pytest.raises(services.SlotTaken, match="That time has passed"):
        _book(patient, scan, timezone.now() - dt.timedelta(days=1))
    far = timezone.localdate() + dt.timedelta(days=settings.BOOKING_HORIZON_DAYS + 1)
    with pytest.raises(services.SlotTaken):
        _book(patient, scan, local(far, 10))
    assert not Appointment.objects.exists()


def test_the_lead_time_applies_to_patients_not_to_reception(patient, scan, room, staff_user, day):
    reception = staff_user(Role.RECEPTION)
    with time_machine.travel(local(day, 9), tick=False):
        with pytest.raises(services.SlotTaken, match="less than 2 hours away"):
            _book(patient, scan, local(day, 10))  # one hour ahead: inside the 2-hour lead time
        assert _book(patient, scan, local(day, 11)).status == Status.CONFIRMED
        assert _book(patient, scan, local(day, 10), booked_by=reception).booked_by == reception


def test_screening_stop_is_refused_and_review_books_as_requested(patient, mri, day):
    answers = {"pacemaker": "no", "implants": "no", "metal_fragments": "no", "claustrophobia": "no"}
    with pytest.raises(ValidationError, match="call the practice"):
        _book(patient, mri, local(day, 10), screening_answers={**answers, "pacemaker": "yes"})
    with pytest.raises(ValidationError):
        _book(patient, mri, local(day, 10), screening_answers={})  # unanswered is a stop
    appointment = _book(patient, mri, local(day, 10), screening_answers={**answers, "implants": "yes"})
    assert appointment.status == Status.REQUESTED and appointment.needs_review
    with pytest.raises(ValidationError):
        services.appointment_confirm(appointment=appointment, by=None)
    ok = _book(patient, mri, local(day, 11), screening_answers=answers)
    assert ok.status == Status.CONFIRMED and not ok.needs_review


def test_a_radiologist_review_allows_confirmation(patient, mri, day, staff_user):
    answers = {"pacemaker": "no", "implants": "yes", "metal_fragments": "no", "claustrophobia": "no"}
    appointment = _book(patient, mri, local(day, 10), screening_answers=answers)
    radiologist = staff_user(Role.RADIOLOGIST)
    reviewed = services.appointment_review(appointment=appointment, by=radiologist)
    assert reviewed.reviewed_at is not None and reviewed.reviewed_by == radiologist
    assert services.appointment_confirm(appointment=reviewed, by=None).status == Status.CONFIRMED
    with pytest.raises(ValidationError):
        services.appointment_review(appointment=reviewed, by=radiologist)


def test_medical_aid_needs_a_member_number(patient, scan, room, plan, day):
    with pytest.raises(ValidationError):
        _book(patient, scan, local(day, 10), plan=plan, member_number=" ")


def test_booking_sends_its_events_after_commit(patient, scan, room, day, django_capture_on_commit_callbacks):
    seen = []

    def receiver(sender, appointment, **kwargs):
        seen.append(appointment.pk)

    signals.appointment_booked.connect(receiver)
    try:
        with django_capture_on_commit_callbacks(execute=True):
            appointment = _book(patient, scan, local(day, 10))
    finally:
        signals.appointment_booked.disconnect(receiver)
    assert seen == [appointment.pk]


def test_reschedule_moves_and_frees_the_old_time(
    patient, other_patient, scan, room, day, django_capture_on_commit_callbacks
):
    appointment = _book(patient, scan, local(day, 10))
    events = []

    def receiver(sender, appointment, old_start, old_room_id, **kwargs):
        events.append((old_start, old_room_id))

    signals.appointment_rescheduled.connect(receiver)
    try:
        with django_capture_on_commit_callbacks(execute=True):
            moved = services.appointment_reschedule(appointment=appointment, start=local(day, 10, 15), by=patient)
    finally:
        signals.appointment_rescheduled.disconnect(receiver)
    assert moved.start == local(day, 10, 15) and moved.end == local(day, 10, 30)
    assert events == [(local(day, 10), room.pk)]
    _book(other_patient, scan, local(day, 10))  # the old time is free again
    with pytest.raises(services.SlotTaken):
        services.appointment_reschedule(appointment=moved, start=local(day, 10), by=patient)


def test_reschedule_into_an_overlap_with_itself_is_allowed(patient, room, day):
    scan = ScanTypeFactory(duration_minutes=60)
    appointment = _book(patient, scan, local(day, 10))
    moved = services.appointment_reschedule(appointment=appointment, start=local(day, 10, 30), by=patient)
    assert moved.start == local(day, 10, 30)


def test_a_cancelled_appointment_cannot_be_moved(patient, scan, room, day):
    appointment = _book(patient, scan, local(day, 10))
    services.appointment_cancel(appointment=appointment, by=patient, reason="x")
    with pytest.raises(ValidationError):
        services.appointment_reschedule(appointment=appointment, start=local(day, 11), by=patient)


def test_a_room_of_another_modality_is_refused(patient, scan, day):
    ct = open_every_day(RoomFactory(name="CT A", modality=Modality.CT))
    with pytest.raises(ValidationError):
        _book(patient, scan, local(day, 10), room=ct)


def test_the_database_refuses_two_active_appointments_at_one_room_and_start(scan, room, day):
    AppointmentFactory(scan_type=scan, room=room, start=local(day, 10))
    with pytest.raises(IntegrityError), transaction.atomic():
        AppointmentFactory(scan_type=scan, room=room, start=local(day, 10))


@pytest.mark.skipif(connection.vendor != "postgresql", reason="exclusion constraints are PostgreSQL's")
def test_postgres_refuses_overlapping_active_appointments_in_one_room(scan, room, day):
    AppointmentFactory(scan_type=scan, room=room, start=local(day, 10))
    with pytest.raises(IntegrityError), transaction.atomic():
        AppointmentFactory(scan_type=scan, room=room, start=local(day, 10, 5))
    AppointmentFactory(scan_type=scan, room=room, start=local(day, 10, 5), status=Status.CANCELLED)


def test_membership_is_saved_and_updated(patient, plan):
    services.membership_save(patient=patient, plan=plan, member_number="A1")
    saved = services.membership_save(patient=patient, plan=plan, member_number="B2")
    assert saved.member_number == "B2" and patient.medical_aid_membership.pk == saved.pk

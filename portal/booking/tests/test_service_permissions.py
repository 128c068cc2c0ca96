"""Cancelling and moving are reached without a view too (the API, a text reply "cancel", the
waitlist), so the services assert the rule the views ask: staff with the action's permission, or
the patient (or a guardian acting for them); anyone else is refused and nothing changes."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from portal.accounts import proxy
from portal.accounts.roles import Role
from portal.accounts.tests.factories import user_with_role
from portal.booking import services
from portal.booking.models import Appointment
from portal.booking.tests.conftest import local

pytestmark = pytest.mark.django_db
Status = Appointment.Status


def _book(patient, scan, start):
    return services.appointment_book(patient=patient, scan_type=scan, start=start, plan=None, member_number="",
                                     screening_answers={}, booked_by=patient)


def _unchanged(appointment: Appointment, start: dt.datetime) -> bool:
    fresh = Appointment.objects.get(pk=appointment.pk)
    return (fresh.status, fresh.start, fresh.cancelled_by_id, fresh.cancellation_reason) == (
        Status.CONFIRMED, start, None, "")


@pytest.mark.parametrize("who", ["another patient", Role.RADIOGRAPHER, Role.RADIOLOGIST, Role.MARKETING_EDITOR])
def test_someone_who_may_not_cancel_is_refused_and_the_appointment_stays(who, patient, scan, room, day):
    appointment = _book(patient, scan, local(day, 10))
    actor = user_with_role(Role.PATIENT if who == "another patient" else who)
    with pytest.raises(ValidationError, match="You may not cancel this appointment"):
        services.appointment_cancel(appointment=appointment, by=actor, reason="Not mine to cancel")
    assert _unchanged(appointment, local(day, 10))


@pytest.mark.parametrize("who", ["another patient", Role.RADIOGRAPHER, Role.RADIOLOGIST, Role.MARKETING_EDITOR])
def test_someone_who_may_not_move_is_refused_and_the_appointment_stays(who, patient, scan, room, day):
    appointment = _book(patient, scan, local(day, 10))
    actor = user_with_role(Role.PATIENT if who == "another patient" else who)
    with pytest.raises(ValidationError, match="You may not move this appointment"):
        services.appointment_reschedule(appointment=appointment, start=local(day, 11), by=actor)
    assert _unchanged(appointment, local(day, 10))


@pytest.mark.parametrize("role", [Role.RECEPTION, Role.MANAGER])
def test_front_desk_staff_may_cancel_and_move_any_patients_appointment(role, patient, scan, room, day):
    staff = user_with_role(role)
    moved = services.appointment_reschedule(appointment=_book(patient, scan, local(day, 10)), start=local(day, 11),
                                            by=staff)
    assert moved.start == local(day, 11)
    cancelled = services.appointment_cancel(appointment=moved, by=staff, reason="Called to cancel")
    assert cancelled.status == Status.CANCELLED and cancelled.cancelled_by == staff


def test_a_superuser_may_cancel_without_a_role(patient, scan, room, day, django_user_model):
    admin = django_user_model.objects.create_superuser(email="root@example.org", password="x-Long-enough-1")
    cancelled = services.appointment_cancel(appointment=_book(patient, scan, local(day, 10)), by=admin, reason="x")
    assert cancelled.status == Status.CANCELLED


def test_a_guardian_may_cancel_a_dependants_appointment_but_not_once_the_link_has_ended(scan, room, day):
    guardian = user_with_role(Role.PATIENT)
    link = proxy.dependant_add(guardian=guardian, first_name="Tendai", last_name="Moyo",
                               date_of_birth=dt.date.today() - dt.timedelta(days=365 * 8),
                               relationship="child")
    first = _book(link.dependant, scan, local(day, 10))
    assert services.appointment_cancel(appointment=first, by=guardian, reason="Unwell").status == Status.CANCELLED
    second = _book(link.dependant, scan, local(day, 11))
    proxy.proxy_end(link=link, by=guardian)
    with pytest.raises(ValidationError, match="You may not cancel"):
        services.appointment_cancel(appointment=second, by=guardian, reason="Unwell")
    assert _unchanged(second, local(day, 11))


def test_the_system_cancels_without_an_actor(patient, scan, room, day):
    """A task (an unpaid hold running out) passes no actor; nothing to assert then."""
    cancelled = services.appointment_cancel(appointment=_book(patient, scan, local(day, 10)), by=None,
                                            reason="Payment not received")
    assert cancelled.status == Status.CANCELLED and cancelled.cancelled_by is None

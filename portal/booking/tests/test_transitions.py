from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from portal.accounts.roles import Role
from portal.booking import services
from portal.booking.models import Appointment
from portal.booking.tests.factories import AppointmentFactory
from portal.core import signals
from portal.core.clock import practice_tz

pytestmark = pytest.mark.django_db
Status = Appointment.Status


def _soon() -> dt.datetime:
    """30 minutes ahead, kept on today's date in Harare (the scanner may only complete a same-day visit)."""
    now = timezone.now().replace(microsecond=0)
    local = timezone.localtime(now, practice_tz())
    midnight = (local + dt.timedelta(days=1)).replace(hour=0, minute=0, second=0)
    return min(now + dt.timedelta(minutes=30), now + (midnight - local) / 2)


def test_every_transition_stamps_its_time():
    appointment = AppointmentFactory(status=Status.REQUESTED, confirmed_at=None, start=_soon())
    appointment = services.appointment_confirm(appointment=appointment, by=None)
    appointment = services.appointment_check_in(appointment=appointment, by=None)
    appointment = services.appointment_complete(appointment=appointment, by=None)
    appointment.refresh_from_db()
    assert appointment.status == Status.COMPLETED
    assert appointment.confirmed_at <= appointment.checked_in_at <= appointment.completed_at

    cancelled = services.appointment_cancel(appointment=AppointmentFactory(), by=None, reason="Feeling better")
    assert cancelled.cancelled_at is not None and cancelled.cancellation_reason == "Feeling better"

    past = AppointmentFactory(start=timezone.now() - dt.timedelta(hours=2))
    assert services.appointment_mark_no_show(appointment=past, by=None).no_show_at is not None


def test_a_forbidden_transition_is_refused_and_changes_nothing():
    appointment = AppointmentFactory(status=Status.CONFIRMED)
    with pytest.raises(ValidationError):
        services.appointment_complete(appointment=appointment, by=None)
    appointment.refresh_from_db()
    assert appointment.status == Status.CONFIRMED and appointment.completed_at is None


def test_cancel_needs_a_reason():
    appointment = AppointmentFactory()
    with pytest.raises(ValidationError):
        services.appointment_cancel(appointment=appointment, by=None, reason="  ")
    appointment.refresh_from_db()
    assert appointment.status == Status.CONFIRMED


def test_no_show_only_after_the_start():
    with pytest.raises(ValidationError):
        services.appointment_mark_no_show(appointment=AppointmentFactory(), by=None)


def test_unreviewed_screening_blocks_confirmation():
    appointment = AppointmentFactory(status=Status.REQUESTED, confirmed_at=None, needs_review=True)
    with pytest.raises(ValidationError):
        services.appointment_confirm(appointment=appointment, by=None)


def test_transitions_send_their_event_after_commit(django_capture_on_commit_callbacks):
    received = []

    def listener(sender, appointment, **kwargs):
        received.append(appointment.status)

    signals.appointment_completed.connect(listener)
    try:
        appointment = AppointmentFactory(status=Status.CHECKED_IN, start=_soon())
        with django_capture_on_commit_callbacks(execute=True):
            services.appointment_complete(appointment=appointment, by=None)
    finally:
        signals.appointment_completed.disconnect(listener)
    assert received == [Status.COMPLETED]


def test_check_in_is_refused_hours_before_the_start_and_changes_nothing(settings):
    settings.BOOKING_CHECK_IN_EARLY_MINUTES = 120
    appointment = AppointmentFactory(start=timezone.now().replace(microsecond=0) + dt.timedelta(hours=9))
    with pytest.raises(ValidationError, match="Too early to check in"):
        services.appointment_check_in(appointment=appointment, by=None)
    appointment.refresh_from_db()
    assert appointment.status == Status.CONFIRMED and appointment.checked_in_at is None


def test_check_in_is_refused_long_after_the_start(settings):
    settings.BOOKING_CHECK_IN_LATE_MINUTES = 180
    appointment = AppointmentFactory(start=timezone.now().replace(microsecond=0) - dt.timedelta(hours=4))
    with pytest.raises(ValidationError, match="did not attend"):
        services.appointment_check_in(appointment=appointment, by=None)


def test_check_in_inside_the_window_stamps_the_real_time(settings):
    settings.BOOKING_CHECK_IN_EARLY_MINUTES = 120
    appointment = AppointmentFactory(start=timezone.now().replace(microsecond=0) + dt.timedelta(minutes=90))
    before = timezone.now()
    appointment = services.appointment_check_in(appointment=appointment, by=None)
    assert before <= appointment.checked_in_at <= timezone.now()


def test_complete_is_refused_before_the_window_opens(settings):
    settings.BOOKING_CHECK_IN_EARLY_MINUTES = 60
    appointment = AppointmentFactory(status=Status.CHECKED_IN,
                                     start=timezone.now().replace(microsecond=0) + dt.timedelta(hours=9))
    with pytest.raises(ValidationError, match="Too early to mark this scan complete"):
        services.appointment_complete(appointment=appointment, by=None)
    appointment.refresh_from_db()
    assert appointment.status == Status.CHECKED_IN and appointment.completed_at is None


# --- Who made each transition (issue 19.5) ------------------------------------------------
# The services are called directly, outside any request, as the API, the task worker and the
# scanner do: the history row must still name the acting staff member.


def _last_actor(appointment: Appointment):
    return appointment.history.latest().history_user


def test_check_in_and_complete_record_the_acting_staff_member_in_the_history(staff_user):
    reception, radiographer = staff_user(Role.RECEPTION), staff_user(Role.RADIOGRAPHER)
    appointment = AppointmentFactory(status=Status.CONFIRMED, start=_soon())
    appointment = services.appointment_check_in(appointment=appointment, by=reception)
    checked_in = appointment.history.latest()
    assert (checked_in.status, checked_in.history_user) == (Status.CHECKED_IN, reception)
    appointment = services.appointment_complete(appointment=appointment, by=radiographer)
    completed = appointment.history.latest()
    assert (completed.status, completed.history_user) == (Status.COMPLETED, radiographer)


def test_cancel_records_the_acting_staff_member_in_the_history(staff_user):
    reception = staff_user(Role.RECEPTION)
    appointment = services.appointment_cancel(appointment=AppointmentFactory(), by=reception, reason="Unwell")
    latest = appointment.history.latest()
    assert (latest.status, latest.history_user) == (Status.CANCELLED, reception)


def test_no_show_records_the_acting_staff_member_in_the_history(staff_user):
    reception = staff_user(Role.RECEPTION)
    past = AppointmentFactory(start=timezone.now() - dt.timedelta(hours=2))
    appointment = services.appointment_mark_no_show(appointment=past, by=reception)
    latest = appointment.history.latest()
    assert (latest.status, latest.history_user) == (Status.NO_SHOW, reception)


def test_a_transition_without_an_actor_records_no_user_rather_than_a_previous_one(staff_user):
    reception = staff_user(Role.RECEPTION)
    appointment = AppointmentFactory(status=Status.CONFIRMED, start=_soon())
    appointment = services.appointment_check_in(appointment=appointment, by=reception)
    # The scanner (MPPS) completes it: no person acted; a fresh row must not inherit reception.
    appointment = services.appointment_complete(appointment=Appointment.objects.get(pk=appointment.pk),
                                                by=None, by_scanner=True)
    assert _last_actor(appointment) is None

"""services.appointment_book_from_wizard: the booking, the remembered medical aid and every step's
on_booked write happen together or not at all."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from portal.booking import services, steps
from portal.booking.models import Appointment, MedicalAidMembership
from portal.booking.tests.conftest import local
from portal.core import signals

pytestmark = pytest.mark.django_db


@pytest.fixture
def extra_step(monkeypatch):
    """Register one more step (as another app would) whose on_booked records what it got."""
    calls: list[tuple[Appointment, dict]] = []
    behaviour = {"fail": False}

    def on_booked(appointment, state):
        calls.append((appointment, state))
        if behaviour["fail"]:
            raise ValidationError("The letter could not be attached.")

    monkeypatch.setattr(steps, "_steps", list(steps._steps))
    steps.register_step(steps.Step("extra", "Extra", "booking:book", 80, on_booked=on_booked))
    return calls, behaviour


def _book(patient, scan, plan, start, state):
    return services.appointment_book_from_wizard(
        patient=patient, scan_type=scan, start=start, plan=plan, member_number="M-77", save_membership=True,
        screening_answers={}, booked_by=patient, state=state,
    )


def test_booking_from_the_wizard_books_remembers_the_aid_and_runs_each_steps_hook(
        patient, scan, room, plan, day, extra_step, django_capture_on_commit_callbacks):
    calls, _ = extra_step
    with django_capture_on_commit_callbacks(execute=True):
        appointment = _book(patient, scan, plan, local(day, 10), {"referral_id": None, "note": "x"})
    assert Appointment.objects.get() == appointment and appointment.plan == plan
    assert MedicalAidMembership.objects.get(patient=patient).member_number == "M-77"
    assert calls == [(appointment, {"referral_id": None, "note": "x"})]


def test_a_failure_in_the_last_write_leaves_no_appointment_no_membership_and_sends_nothing(
        patient, scan, room, plan, day, extra_step, django_capture_on_commit_callbacks):
    calls, behaviour = extra_step
    behaviour["fail"] = True
    booked = []
    signals.appointment_booked.connect(lambda sender, appointment, **kw: booked.append(appointment),
                                       dispatch_uid="test.booked", weak=False)
    try:
        with django_capture_on_commit_callbacks(execute=True) as callbacks, pytest.raises(ValidationError):
            _book(patient, scan, plan, local(day, 10), {})
    finally:
        signals.appointment_booked.disconnect(dispatch_uid="test.booked")
    assert len(calls) == 1  # the hook ran after the booking and the membership were written...
    assert not Appointment.objects.exists()  # ...and its failure undid both
    assert not MedicalAidMembership.objects.exists()
    assert callbacks == [] and booked == []
    # the slot is free again: the same time books at once
    behaviour["fail"] = False
    assert _book(patient, scan, plan, local(day, 10), {}).start == local(day, 10)

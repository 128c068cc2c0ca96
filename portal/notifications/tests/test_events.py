"""Each domain event queues its message: confirmation, cancellation, feedback, report, payment, referral."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
import time_machine
from django.core import mail

from portal.accounts.tests.factories import ReferringDoctorFactory
from portal.booking import services as booking
from portal.booking.models import Appointment
from portal.core import signals
from portal.notifications import sms
from portal.notifications.models import Delivery
from portal.payments.models import Payment
from portal.referrals.models import Referral
from portal.reports.models import Report

from .conftest import local_dt, make_appointment, make_patient

pytestmark = pytest.mark.django_db
NOON = local_dt(2026, 11, 2, 12, 0)


@pytest.fixture
def run_on_commit(django_capture_on_commit_callbacks):
    def run(func, *args, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return func(*args, **kwargs)

    return run


@time_machine.travel(NOON, tick=False)
def test_booking_sends_a_confirmation_by_email_and_sms_in_local_time(run_on_commit):
    appointment = make_appointment(start=local_dt(2026, 11, 5, 9, 0), status=Appointment.Status.REQUESTED)
    run_on_commit(signals.send_on_commit, signals.appointment_booked, sender=Appointment, appointment=appointment)
    [email] = mail.outbox
    assert email.subject.startswith("Your booking at")
    html = email.alternatives[0][0]
    assert "Thursday 5 November 2026 at 09:00" in html and "Thursday 5 November 2026 at 09:00" in email.body
    assert appointment.scan_type.name in html
    assert "practice will confirm" in email.body
    [text] = sms.outbox
    assert text.to == "+263771234567"
    assert "Thu 5 Nov at 09:00" in text.body and "Reply CANCEL" in text.body
    # A requested booking waits for reception's check: the text must not ask for a YES it cannot take.
    assert "YES" not in text.body and "Reception will check your booking" in text.body
    delivery = Delivery.objects.get(channel="email")
    assert delivery.status == "sent" and delivery.provider_message_id == email.extra_headers["Message-ID"]


@time_machine.travel(NOON, tick=False)
def test_a_patient_who_wants_email_only_gets_no_sms(run_on_commit):
    appointment = make_appointment(start=local_dt(2026, 11, 5, 9, 0), patient=make_patient(sms_on=False))
    run_on_commit(signals.send_on_commit, signals.appointment_booked, sender=Appointment, appointment=appointment)
    assert len(mail.outbox) == 1 and sms.outbox == []


@time_machine.travel(NOON, tick=False)
def test_cancellation_notice_goes_and_pending_reminders_are_cancelled(run_on_commit):
    appointment = make_appointment(start=local_dt(2026, 11, 3, 9, 0), patient=make_patient(sms_on=False))
    pending = Delivery.objects.create(
        appointment=appointment, recipient=appointment.patient, key="reminder_24h_x", kind="reminder",
        channel="email", due_at=local_dt(2026, 11, 2, 12, 30), appointment_start=appointment.start,
    )
    run_on_commit(booking.appointment_cancel, appointment=appointment, by=None, reason="Unwell")
    [email] = mail.outbox
    assert "cancelled" in email.subject and "Unwell" in email.body
    pending.refresh_from_db()
    assert pending.status == "cancelled"


@time_machine.travel(NOON, tick=False)
def test_completion_asks_for_feedback_once(run_on_commit):
    appointment = make_appointment(start=local_dt(2026, 11, 2, 9, 0), status=Appointment.Status.CHECKED_IN,
                                   patient=make_patient(sms_on=False))
    run_on_commit(booking.appointment_complete, appointment=appointment, by=None)
    run_on_commit(signals.send_on_commit, signals.appointment_completed, sender=Appointment, appointment=appointment)
    assert [m.subject for m in mail.outbox] == [f"How was your visit to {mail.outbox[0].subject.split(' to ', 1)[1]}"]
    assert "tell us how it went" in mail.outbox[0].body


@time_machine.travel(NOON, tick=False)
def test_report_released_tells_the_patient(run_on_commit):
    appointment = make_appointment(start=local_dt(2026, 11, 1, 9, 0), status=Appointment.Status.COMPLETED,
                                   patient=make_patient(sms_on=False))
    report = Report.objects.create(appointment=appointment, status=Report.Status.SIGNED)
    run_on_commit(signals.send_on_commit, signals.report_released, sender=Report, report=report)
    run_on_commit(signals.send_on_commit, signals.report_released, sender=Report, report=report)
    assert [m.subject for m in mail.outbox] == ["Your report is ready"]
    assert Delivery.objects.get().key == f"report_ready_{report.pk}"


@time_machine.travel(NOON, tick=False)
def test_payment_receipt_names_the_amount(run_on_commit):
    appointment = make_appointment(start=local_dt(2026, 11, 5, 9, 0))
    payment = Payment.objects.create(appointment=appointment, amount=Decimal("45.00"), currency="USD",
                                     method=Payment.Method.CASH, status=Payment.Status.PAID, reference="R-77")
    run_on_commit(signals.send_on_commit, signals.payment_received, sender=Payment, payment=payment)
    assert "45.00 USD" in mail.outbox[0].body and "R-77" in mail.outbox[0].body
    assert "45.00 USD" in sms.outbox[0].body


@time_machine.travel(NOON, tick=False)
def test_referral_received_tells_the_referring_doctor_not_the_patient(run_on_commit):
    doctor = ReferringDoctorFactory()
    patient = make_patient()
    referral = Referral.objects.create(patient=patient, referring_doctor=doctor, file="referrals/x.pdf",
                                       content_type="application/pdf", size=10, sha256="0" * 64)
    run_on_commit(signals.send_on_commit, signals.referral_received, sender=Referral, referral=referral)
    [email] = mail.outbox
    assert email.to == [doctor.user.email] and email.subject == "We received your referral"
    assert f"number {referral.pk}" in email.body
    assert sms.outbox == []  # the doctor has no mobile number


@time_machine.travel(NOON, tick=False)
def test_an_sms_reply_yes_confirmation_triggers_a_confirmed_message(run_on_commit):
    appointment = make_appointment(start=local_dt(2026, 11, 5, 9, 0), status=Appointment.Status.REQUESTED,
                                   confirmed_at=None, patient=make_patient(sms_on=False))
    run_on_commit(booking.appointment_confirm, appointment=appointment, by=None)
    assert mail.outbox[0].subject == "Your appointment on Thu 5 Nov at 09:00 is confirmed"


def test_every_message_renders_for_email_and_sms():
    from portal.notifications.messages import KINDS, render

    appointment = make_appointment(start=local_dt(2026, 11, 5, 9, 0) + dt.timedelta(days=400))
    referral = Referral.objects.create(patient=appointment.patient, file="referrals/y.pdf",
                                       content_type="application/pdf", size=10, sha256="0" * 64)
    for message in KINDS:
        for channel in ("email", "sms"):
            delivery = Delivery(appointment=appointment, referral=referral, recipient=appointment.patient,
                                key=message, kind=message, channel=channel, due_at=appointment.start)
            rendered = render(delivery, to="x")
            assert rendered.text.strip()
            assert "{{" not in rendered.text and "{%" not in rendered.text
            if channel == "email":
                assert rendered.subject and "</html>" in rendered.html
            else:
                assert len(rendered.text) <= 320, (message, len(rendered.text))


def test_a_booking_confirmation_sms_at_night_waits_for_the_morning_but_the_email_goes(run_on_commit):
    from portal.notifications import tasks

    with time_machine.travel(local_dt(2026, 11, 2, 23, 15), tick=False):
        appointment = make_appointment(start=local_dt(2026, 11, 9, 9, 0), status=Appointment.Status.REQUESTED)
        run_on_commit(signals.send_on_commit, signals.appointment_booked, sender=Appointment, appointment=appointment)
        assert len(mail.outbox) == 1 and sms.outbox == []
        assert Delivery.objects.get(channel="sms").due_at == local_dt(2026, 11, 3, 7, 0)
    with time_machine.travel(local_dt(2026, 11, 3, 7, 1), tick=False):
        tasks.send_due_reminders()
    assert len(sms.outbox) == 1 and "Mon 9 Nov at 09:00" in sms.outbox[0].body


def test_signing_tells_the_referring_doctors_at_once_and_the_patient_after_the_delay(run_on_commit, settings):
    from portal.reports.tests.factories import completed_appointment, signed_report, verified_doctor

    settings.REPORTS_PATIENT_RELEASE_DELAY_HOURS = 48
    appointment = completed_appointment(patient=make_patient(sms_on=False))
    doctor = verified_doctor()
    unverified = ReferringDoctorFactory()
    for referrer in (doctor.doctor_profile, unverified, None):
        Referral.objects.create(patient=appointment.patient, referring_doctor=referrer, appointment=appointment,
                                file="referrals/x.pdf", content_type="application/pdf", size=10, sha256="0" * 64,
                                doctor_name="" if referrer else "Dr Paper")

    report = run_on_commit(signed_report, appointment=appointment)

    doctor_mail = [m for m in mail.outbox if doctor.email in m.to]
    assert [m.subject for m in doctor_mail] == ["A report for your referral is ready"]
    assert f"/reports/{report.pk}/view/" in doctor_mail[0].body
    assert appointment.patient.get_full_name() not in doctor_mail[0].body  # no patient name by email
    assert not [m for m in mail.outbox if unverified.user.email in m.to]  # may not read it: not told
    assert not [m for m in mail.outbox if appointment.patient.email in m.to]  # released in 48 h
    assert Delivery.objects.filter(kind="referral_report_ready").count() == len(doctor_mail)

"""Critical findings: the urgent notice to the referring doctor, the acknowledgement, and the escalation
to the duty phones (exactly once, never after an acknowledgement)."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from portal.notifications import sms
from portal.notifications.models import Delivery
from portal.reports import critical, services
from portal.reports.models import CriticalNotice
from portal.reports.tests.factories import (
    completed_appointment,
    radiologist,
    referral_for,
    signed_report,
    verified_doctor,
)

pytestmark = pytest.mark.django_db
HARARE = ZoneInfo("Africa/Harare")
DUTY = ["+263772000111", "+263712000222"]


@pytest.fixture(autouse=True)
def _settings(settings):
    settings.SMS_BACKEND = "locmem"
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.NOTIFICATIONS_PUBLIC_BASE_URL = "https://portal.example.test"
    settings.CRITICAL_ACK_MINUTES = 60
    settings.CRITICAL_DUTY_PHONES = DUTY
    sms.outbox.clear()
    yield
    sms.outbox.clear()


def _critical_case(django_capture_on_commit_callbacks, **doctor_kwargs):
    """A referred scan signed with a critical finding; the doctor wants no routine SMS."""
    doctor = verified_doctor(user__phone="+263771110000", user__notify_by_sms=False, **doctor_kwargs)
    # A surname no random doctor's can share: the texts name the doctor, never the patient.
    appointment = completed_appointment(patient__last_name="Mukanhairi")
    referral_for(appointment=appointment, doctor_user=doctor)
    with django_capture_on_commit_callbacks(execute=True):
        report = signed_report(appointment=appointment, critical_finding=True,
                               findings="Large right tension pneumothorax.", impression="Tension pneumothorax.")
    return doctor, report


def _duty_texts():
    return [m for m in sms.outbox if m.to in DUTY]


def test_signing_a_critical_report_sends_the_doctor_an_urgent_email_and_sms_and_opens_a_notice(
        django_capture_on_commit_callbacks):
    # 23:00 in Harare: inside the default SMS quiet hours, which must not hold an urgent notice back.
    with time_machine.travel(dt.datetime(2026, 11, 3, 23, 0, tzinfo=HARARE), tick=False):
        doctor, report = _critical_case(django_capture_on_commit_callbacks)
        notice = CriticalNotice.objects.get(report=report)
        assert notice.ack_due_at == timezone.now() + dt.timedelta(minutes=60)
    urgent = Delivery.objects.filter(kind="critical_finding", recipient=doctor)
    assert {d.channel for d in urgent} == {"email", "sms"} and {d.status for d in urgent} == {"sent"}
    [email] = [m for m in mail.outbox if m.subject.startswith("URGENT")]
    assert email.to == [doctor.email] and reverse("reports:view", args=[report.pk]) in email.body
    [text] = [m for m in sms.outbox if m.to == "+263771110000"]
    assert "URGENT" in text.body and report.appointment.patient.last_name not in text.body
    assert _duty_texts() == []


def test_a_report_without_a_critical_finding_opens_no_notice(django_capture_on_commit_callbacks):
    doctor = verified_doctor()
    appointment = completed_appointment()
    referral_for(appointment=appointment, doctor_user=doctor)
    with django_capture_on_commit_callbacks(execute=True):
        signed_report(appointment=appointment)
    assert not CriticalNotice.objects.exists()
    assert not Delivery.objects.filter(kind="critical_finding").exists()


def test_the_referring_doctor_acknowledges_on_the_report_page(client, django_capture_on_commit_callbacks):
    doctor, report = _critical_case(django_capture_on_commit_callbacks)
    client.force_login(doctor)
    page = client.get(reverse("reports:view", args=[report.pk])).content.decode()
    assert "I have seen this critical finding" in page
    response = client.post(reverse("reports:critical_acknowledge", args=[report.pk]), follow=True)
    assert "acknowledgement of the critical finding is recorded" in response.content.decode()
    notice = CriticalNotice.objects.get(report=report)
    assert notice.acknowledged_by == doctor and notice.acknowledged_at is not None
    first = notice.acknowledged_at
    client.post(reverse("reports:critical_acknowledge", args=[report.pk]))  # a second press changes nothing
    notice.refresh_from_db()
    assert notice.acknowledged_at == first


def test_another_doctor_or_the_patient_cannot_acknowledge(client, django_capture_on_commit_callbacks):
    _doctor, report = _critical_case(django_capture_on_commit_callbacks)
    for intruder in (verified_doctor(), report.appointment.patient, radiologist()):
        client.force_login(intruder)
        assert client.post(reverse("reports:critical_acknowledge", args=[report.pk])).status_code == 404
    notice = CriticalNotice.objects.get(report=report)
    assert notice.acknowledged_at is None and notice.acknowledged_by is None


def test_unacknowledged_after_the_window_it_goes_to_the_duty_phones_exactly_once(
        django_capture_on_commit_callbacks):
    _doctor, report = _critical_case(django_capture_on_commit_callbacks)
    notice = CriticalNotice.objects.get(report=report)
    assert critical.critical_notices_escalate_due(now=notice.ack_due_at - dt.timedelta(minutes=1)) == 0
    assert _duty_texts() == []
    later = notice.ack_due_at + dt.timedelta(minutes=1)
    assert critical.critical_notices_escalate_due(now=later) == 1
    assert critical.critical_notices_escalate_due(now=later + dt.timedelta(minutes=1)) == 0  # the next run
    assert critical.critical_notice_escalate(notice_id=notice.pk, now=later) is False  # a retried task
    texts = _duty_texts()
    assert sorted(t.to for t in texts) == sorted(DUTY)
    assert all(f"report #{report.pk}" in t.body and "URGENT" in t.body for t in texts)
    assert all(report.appointment.patient.last_name not in t.body for t in texts)
    notice.refresh_from_db()
    assert notice.escalated_at == later and notice.escalated_to == DUTY
    assert sorted(r["to"] for r in notice.escalation_result) == sorted(DUTY)
    assert all(r["sid"].startswith("locmem-") for r in notice.escalation_result)


def test_no_escalation_after_the_doctor_acknowledged(django_capture_on_commit_callbacks):
    doctor, report = _critical_case(django_capture_on_commit_callbacks)
    notice = CriticalNotice.objects.get(report=report)
    critical.critical_notice_acknowledge(notice=notice, doctor=doctor)
    assert critical.critical_notices_escalate_due(now=notice.ack_due_at + dt.timedelta(hours=2)) == 0
    notice.refresh_from_db()
    assert notice.escalated_at is None and _duty_texts() == []


def test_without_a_doctor_on_the_portal_the_duty_phones_are_told_at_once(django_capture_on_commit_callbacks):
    appointment = completed_appointment()  # a walk-in: no referring doctor can acknowledge in the portal
    with django_capture_on_commit_callbacks(execute=True):
        report = signed_report(appointment=appointment, critical_finding=True)
    notice = CriticalNotice.objects.get(report=report)
    assert notice.ack_due_at <= timezone.now()
    assert critical.critical_notices_escalate_due() == 1 and len(_duty_texts()) == 2


def test_the_escalation_job_is_scheduled_every_minute():
    from django_q.models import Schedule

    [schedule] = Schedule.objects.filter(func=critical.ESCALATION_TASK)  # made by migrate (post_migrate)
    assert schedule.schedule_type == Schedule.MINUTES and schedule.minutes == 1 and schedule.repeats == -1


def test_a_failed_duty_sms_is_recorded_on_the_notice(settings, django_capture_on_commit_callbacks):
    settings.CRITICAL_DUTY_PHONES = []
    appointment = completed_appointment()
    with django_capture_on_commit_callbacks(execute=True):
        report = signed_report(appointment=appointment, critical_finding=True)
    assert critical.critical_notices_escalate_due() == 1
    notice = CriticalNotice.objects.get(report=report)
    assert notice.escalated_at is not None and "No duty phones" in notice.escalation_result[0]["error"]


def test_staff_see_the_notice_state_on_the_report(client, django_capture_on_commit_callbacks):
    _doctor, report = _critical_case(django_capture_on_commit_callbacks)
    notice = CriticalNotice.objects.get(report=report)
    critical.critical_notices_escalate_due(now=notice.ack_due_at + dt.timedelta(minutes=1))
    client.force_login(radiologist())
    page = client.get(reverse("reports:view", args=[report.pk])).content.decode()
    assert "sent to the duty phones" in page and DUTY[0] in page
    assert "I have seen this critical finding" not in page


def test_the_doctors_urgent_notice_is_planned_once_and_a_stop_still_holds_the_sms(
        django_capture_on_commit_callbacks):
    from portal.notifications import services as notifications
    from portal.notifications.models import NotificationPreference

    _doctor, report = _critical_case(django_capture_on_commit_callbacks)
    assert notifications.report_notify_critical(report=report) == []  # a retried task: nothing new
    assert Delivery.objects.filter(kind="critical_finding").count() == 2
    other = verified_doctor(user__phone="+263771119999")
    NotificationPreference.objects.create(user=other, sms_opted_out=True)
    appointment = completed_appointment()
    referral_for(appointment=appointment, doctor_user=other)
    with django_capture_on_commit_callbacks(execute=True):
        signed_report(appointment=appointment, critical_finding=True)
    assert set(Delivery.objects.filter(kind="critical_finding", recipient=other)
               .values_list("channel", flat=True)) == {"email"}


def test_a_superseded_versions_notice_is_not_escalated(django_capture_on_commit_callbacks):
    _doctor, report = _critical_case(django_capture_on_commit_callbacks)
    rad = report.radiologist
    amendment = services.report_amend(report=report, radiologist=rad, reason="Side corrected.")
    services.report_save_draft(report=amendment, radiologist=rad, findings="Left pneumothorax, small.",
                               impression="Small left pneumothorax.", recommendations="", critical_finding=False)
    services.report_sign(report=amendment, radiologist=rad)
    notice = CriticalNotice.objects.get(report=report)
    assert critical.critical_notices_escalate_due(now=notice.ack_due_at + dt.timedelta(minutes=5)) == 0
    assert not CriticalNotice.objects.filter(report=amendment).exists() and _duty_texts() == []

"""Issue 16.2: a dependant has no address of their own, so messages about their appointments go to
each guardian with access today, naming the dependant, on the guardian's channels and in the
guardian's quiet hours; an ex-guardian gets nothing; a guardian's text reply acts for the family."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.core import mail
from django.urls import reverse
from twilio.request_validator import RequestValidator

from portal.accounts import proxy
from portal.accounts.models import ProxyAccess
from portal.notifications import services, sms, tasks, whatsapp
from portal.notifications.models import AttendanceReply, Delivery, NotificationPreference

from .conftest import PUBLIC_BASE, TOKEN, local_dt, make_appointment, make_patient

pytestmark = pytest.mark.django_db
GUARDIAN_PHONE = "+263771234567"
OTHER_PHONE = "+263772222222"


def family(*, today=dt.date(2026, 11, 2)):
    guardian = make_patient(first_name="Chipo", phone=GUARDIAN_PHONE)
    with time_machine.travel(local_dt(today.year, today.month, today.day, 8, 0), tick=False):
        link = proxy.dependant_add(guardian=guardian, first_name="Tendai", last_name="Moyo",
                                   date_of_birth=dt.date(2018, 5, 1), relationship=ProxyAccess.Relationship.CHILD)
    return guardian, link.dependant, link


def test_a_dependants_reminder_reaches_the_guardian_naming_the_dependant():
    guardian, child, _ = family()
    with time_machine.travel(local_dt(2026, 11, 2, 9, 0), tick=False):
        appointment = make_appointment(start=local_dt(2026, 11, 3, 8, 30), patient=child, scan_type__name="MRI")
        tasks.send_due_reminders()
        tasks.send_due_reminders()
    [email] = mail.outbox
    assert email.to == [guardian.email]
    assert email.subject == "Reminder: Tendai's MRI on Tue 3 Nov at 08:30"
    assert "Dear Chipo" in email.body
    [text] = sms.outbox
    assert text.to == GUARDIAN_PHONE and "Tendai's MRI" in text.body
    rows = Delivery.objects.filter(appointment=appointment)
    assert {(row.recipient_id, row.channel, row.status) for row in rows} == {
        (guardian.pk, "email", "sent"), (guardian.pk, "sms", "sent")}
    assert not rows.filter(recipient=child).exists()  # nobody at the dependant's own (undeliverable) address


def test_each_guardian_gets_a_dependants_message_once_and_an_ex_guardian_nothing(django_capture_on_commit_callbacks):
    guardian, child, _ = family()
    second = make_patient(phone=OTHER_PHONE, sms_on=False)
    ProxyAccess.objects.create(guardian=second, dependant=child, relationship=ProxyAccess.Relationship.CHILD)
    former = make_patient(phone="+263773333333")
    ended = ProxyAccess.objects.create(guardian=former, dependant=child, relationship=ProxyAccess.Relationship.CHILD)
    proxy.proxy_end(link=ended, by=former)
    with time_machine.travel(local_dt(2026, 11, 2, 12, 0), tick=False):
        appointment = make_appointment(start=local_dt(2026, 11, 9, 9, 0), patient=child, scan_type__name="MRI")
        with django_capture_on_commit_callbacks(execute=True):
            services.appointment_notify(appointment=appointment, kind="confirmation")
            services.appointment_notify(appointment=appointment, kind="confirmation")
    assert sorted(tuple(m.to) for m in mail.outbox) == sorted([(guardian.email,), (second.email,)])
    assert all(m.subject.startswith("Tendai's booking at") for m in mail.outbox)
    assert [m.to for m in sms.outbox] == [GUARDIAN_PHONE]  # the second guardian chose email only
    assert not Delivery.objects.filter(recipient=former).exists()
    assert Delivery.objects.filter(appointment=appointment).count() == 3


def test_the_guardians_quiet_hours_hold_a_text_about_the_dependant():
    guardian, child, _ = family()
    NotificationPreference.objects.create(user=guardian, quiet_hours=True, quiet_start=dt.time(20, 0),
                                          quiet_end=dt.time(8, 0))
    with time_machine.travel(local_dt(2026, 11, 2, 21, 0), tick=False):
        make_appointment(start=local_dt(2026, 11, 3, 15, 0), patient=child)
        tasks.send_due_reminders()
        assert sms.outbox == [] and len(mail.outbox) == 1  # email has no quiet hours
        text = Delivery.objects.get(channel="sms")
        assert text.recipient == guardian and text.status == "pending"
        assert text.due_at == local_dt(2026, 11, 3, 8, 0)
    with time_machine.travel(local_dt(2026, 11, 3, 8, 1), tick=False):
        tasks.send_due_reminders()
    assert len(sms.outbox) == 1 and "Tendai's" in sms.outbox[0].body


def test_a_guardian_on_whatsapp_gets_the_template_naming_the_dependant(whatsapp_on):
    guardian, child, _ = family()
    guardian.notify_by_sms, guardian.notify_by_email, guardian.notify_by_whatsapp = False, False, True
    guardian.save()
    with time_machine.travel(local_dt(2026, 11, 2, 9, 0), tick=False):
        make_appointment(start=local_dt(2026, 11, 3, 8, 30), patient=child, scan_type__name="MRI")
        tasks.send_due_reminders()
    [message] = whatsapp.outbox
    assert message.to == "whatsapp:" + GUARDIAN_PHONE
    assert (message.variables["1"], message.variables["2"], message.variables["3"]) == ("Chipo", "Tendai's", "MRI")


def test_when_access_ends_before_the_reminder_the_ex_guardian_gets_nothing():
    guardian, child, link = family()
    proxy.proxy_end(link=link, by=guardian)
    with time_machine.travel(local_dt(2026, 11, 2, 9, 0), tick=False):
        make_appointment(start=local_dt(2026, 11, 3, 8, 30), patient=child)
        tasks.send_due_reminders()
    assert mail.outbox == [] and sms.outbox == []
    assert not Delivery.objects.exists()


def test_a_child_come_of_age_without_granting_access_is_not_reported_to_the_guardian(settings):
    _, child, _ = family()
    settings.PROXY_MAJORITY_AGE = 8  # Tendai (born 2018-05-01) is 8 on 2026-11-02
    with time_machine.travel(local_dt(2026, 11, 2, 9, 0), tick=False):
        make_appointment(start=local_dt(2026, 11, 3, 8, 30), patient=child)
        tasks.send_due_reminders()
    assert mail.outbox == [] and sms.outbox == []


def test_the_guardians_own_messages_still_say_your():
    guardian, _, _ = family()
    with time_machine.travel(local_dt(2026, 11, 2, 9, 0), tick=False):
        make_appointment(start=local_dt(2026, 11, 3, 8, 30), patient=guardian)
        tasks.send_due_reminders()
    [email] = mail.outbox
    assert email.subject == "Reminder: your appointment on Tue 3 Nov at 08:30"
    assert "Tendai" not in email.body and "Tendai" not in sms.outbox[0].body


@time_machine.travel(local_dt(2026, 11, 2, 12, 0), tick=False)
def test_a_guardian_texting_cancel_cancels_the_dependants_next_appointment_and_says_whose(client):
    guardian, child, _ = family()
    appointment = make_appointment(start=local_dt(2026, 11, 4, 9, 0), patient=child)
    later_own = make_appointment(start=local_dt(2026, 11, 10, 9, 0), patient=guardian)
    path = reverse("notifications:twilio_inbound")
    params = {"From": GUARDIAN_PHONE, "Body": "CANCEL", "MessageSid": "SMg1"}
    signature = RequestValidator(TOKEN).compute_signature(PUBLIC_BASE + path, params)
    response = client.post(path, params, HTTP_X_TWILIO_SIGNATURE=signature)
    assert b"Tendai's appointment on Wed 4 Nov at 09:00 is cancelled" in response.content
    appointment.refresh_from_db()
    later_own.refresh_from_db()
    assert appointment.status == "cancelled" and appointment.cancelled_by == guardian
    assert later_own.status == "confirmed"
    reply = AttendanceReply.objects.get()
    assert (reply.appointment, reply.patient, reply.outcome) == (appointment, guardian, "cancelled")


@time_machine.travel(local_dt(2026, 11, 2, 12, 0), tick=False)
def test_reception_sees_the_guardian_in_the_log_and_a_resend_goes_to_the_guardian(django_capture_on_commit_callbacks):
    from django.template.loader import render_to_string

    from portal.accounts.roles import Role
    from portal.accounts.tests.factories import enable_totp, user_with_role
    from portal.core.registry import appointment_panels_for

    guardian, child, _ = family()
    guardian.notify_by_email = False
    guardian.save(update_fields=["notify_by_email"])
    appointment = make_appointment(start=local_dt(2026, 11, 9, 9, 0), patient=child, scan_type__name="MRI")
    with django_capture_on_commit_callbacks(execute=True):
        [original] = services.appointment_notify(appointment=appointment, kind="confirmed")
    reception = user_with_role(Role.RECEPTION)
    enable_totp(reception)
    [panel] = [p for p in appointment_panels_for(reception, appointment)
               if p["template"] == "notifications/panels/delivery_log.html"]
    html = render_to_string(panel["template"], {"panel": panel["context"], "appointment": appointment})
    assert f"to {guardian.get_full_name()} (guardian)" in html
    original.refresh_from_db()
    with django_capture_on_commit_callbacks(execute=True):
        [resend] = services.delivery_resend(delivery=original, requested_by=reception)
    resend.refresh_from_db()
    assert resend.recipient == guardian and resend.status == "sent"
    assert [m.to for m in sms.outbox] == [GUARDIAN_PHONE, GUARDIAN_PHONE]
    assert all("Tendai's MRI" in m.body for m in sms.outbox)


def test_a_dependants_report_message_links_the_portal_and_says_how_to_switch():
    from portal.notifications.messages import Outgoing, render

    about = Outgoing(pk=None, kind="report_ready", channel="email", first_name="Chipo",
                     context={"report_id": 5, "dependant": "Tendai"})
    own = Outgoing(pk=None, kind="report_ready", channel="email", first_name="Chipo", context={"report_id": 5})
    guardian_email, own_email = render(about, to="chipo@example.test"), render(own, to="chipo@example.test")
    assert guardian_email.subject == "Tendai's report is ready"
    assert "/reports/5/" not in guardian_email.text and "/reports/5/" not in guardian_email.html
    assert "choose Tendai in the header" in guardian_email.text and "choose Tendai in the header" in guardian_email.html
    assert "/reports/5/" in own_email.text and "Tendai" not in own_email.text

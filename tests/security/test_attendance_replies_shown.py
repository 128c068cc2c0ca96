"""Issue 13, item 5 (what was left): reception sees the patient's SMS YES / CANCEL replies on the staff
appointment page, with the time (Africa/Harare) and the channel; the patient's own page does not list
them, and a reply never stands in for the practice's checks."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.urls import reverse

from portal.accounts.roles import Role
from portal.accounts.tests.factories import UserFactory, enable_totp, user_with_role
from portal.booking.models import Appointment
from portal.booking.tests.factories import AppointmentFactory
from portal.notifications.models import AttendanceReply
from portal.notifications.replies import sms_reply_handle

pytestmark = pytest.mark.django_db

HARARE = ZoneInfo("Africa/Harare")
PHONE = "+263771234567"


@pytest.fixture
def booking():
    patient = UserFactory(roles=[Role.PATIENT], phone=PHONE)
    start = dt.datetime(2026, 11, 4, 9, 0, tzinfo=HARARE)
    return AppointmentFactory(patient=patient, start=start, requested_at=start - dt.timedelta(days=7),
                              status=Appointment.Status.REQUESTED, confirmed_at=None)


def _reception():
    user = user_with_role(Role.RECEPTION)
    enable_totp(user)
    return user


def test_reception_sees_each_sms_reply_with_its_harare_time_and_channel(client, booking):
    # 10:15 UTC is 12:15 in Harare
    with time_machine.travel(dt.datetime(2026, 11, 2, 10, 15, tzinfo=dt.UTC), tick=False):
        sms_reply_handle(from_number=PHONE, body="YES", message_id="SM1")
    with time_machine.travel(dt.datetime(2026, 11, 2, 16, 40, tzinfo=dt.UTC), tick=False):
        sms_reply_handle(from_number=PHONE, body="CANCEL", message_id="SM2")
    assert AttendanceReply.objects.filter(appointment=booking).count() == 2
    client.force_login(_reception())
    response = client.get(reverse("booking:detail", args=[booking.pk]))
    page = response.content.decode()
    assert [r.provider_message_id for r in response.context["attendance_replies"]] == ["SM2", "SM1"]
    section = page[page.index('data-testid="attendance-replies"'):]
    section = section[:section.index("</ul>")]
    print("staff page replies:", " | ".join(line.strip() for line in section.splitlines() if "<li" in line))
    assert "2 Nov 2026, 12:15</time> · SMS · Will attend; booking still awaits the practice" in section
    assert "2 Nov 2026, 18:40</time> · SMS · Cancelled by reply" in section
    assert section.index("18:40") < section.index("12:15")  # newest first


def test_the_patient_page_and_a_booking_without_replies_show_no_reply_section(client, booking):
    with time_machine.travel(dt.datetime(2026, 11, 2, 10, 15, tzinfo=dt.UTC), tick=False):
        sms_reply_handle(from_number=PHONE, body="YES", message_id="SM1")
    client.force_login(booking.patient)
    own = client.get(reverse("booking:detail", args=[booking.pk]))
    assert own.context["attendance_replies"] == [] and "attendance-replies" not in own.content.decode()
    client.force_login(_reception())
    other = AppointmentFactory()
    assert "attendance-replies" not in client.get(reverse("booking:detail", args=[other.pk])).content.decode()

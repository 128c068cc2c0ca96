"""No patient data in the logs: every log line written during signup, login, booking, upload,
payment and report download is captured (all loggers at DEBUG) and searched for the patient's
details."""

from __future__ import annotations

import datetime as dt
import logging
import re

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from portal.accounts.models import User
from portal.accounts.roles import Role
from portal.accounts.tests.factories import enable_totp, user_with_role
from portal.booking import services as booking
from portal.booking.models import Appointment, OpeningHours
from portal.booking.tests.factories import RoomFactory
from portal.catalogue.models import Modality
from portal.catalogue.tests.factories import ScanTypeFactory
from portal.core.clock import parse_aware
from portal.core.simplepdf import simple_pdf
from portal.payments.models import Payment
from portal.reports import services as reports

pytestmark = pytest.mark.django_db

FIRST, LAST = "Zebediah", "Quartermaine"
EMAIL = "zq.private@example.test"
PHONE_DIGITS = "771119999"
PASSWORD = "Blue-pelican-river-72"
FILE_NAME = "Quartermaine-letter.pdf"
PDF = simple_pdf()
SECRETS = [FIRST, LAST, EMAIL, PHONE_DIGITS, "1977-07-17", "17 Jul 1977", FILE_NAME, PASSWORD]


class Capture(logging.Handler):
    def __init__(self):
        super().__init__(level=logging.DEBUG)
        self.lines: list[str] = []

    def emit(self, record):
        text = record.getMessage()
        if record.exc_info:
            text += "\n" + logging.Formatter().formatException(record.exc_info)
        self.lines.append(f"{record.name}: {text}")


@pytest.fixture
def captured_logs():
    """Every record at DEBUG and up, as if DJANGO_LOG_LEVEL=DEBUG (stricter than production's INFO);
    loggers the settings pin to a level keep it."""
    handler = Capture()
    root = logging.getLogger()
    level = root.level
    root.setLevel(logging.DEBUG)
    root.addHandler(handler)
    try:
        yield handler
    finally:
        root.removeHandler(handler)
        root.setLevel(level)


def _open_every_day(room):
    for weekday in range(7):
        OpeningHours.objects.create(room=room, weekday=weekday, opens=dt.time(7, 0), closes=dt.time(19, 0))


def test_no_patient_data_reaches_the_logs(client, captured_logs, settings):
    settings.STAFF_MFA_REQUIRED = False
    settings.BOOKING_CHECK_IN_EARLY_MINUTES = 60 * 24 * 90  # the visit is days ahead; check it in today
    scan = ScanTypeFactory(code="xr-chest", modality=Modality.XRAY, needs_referral=False)
    _open_every_day(RoomFactory(name="X-ray 1", modality=Modality.XRAY))

    # signup, a wrong password, email verification, login
    client.post(reverse("register"), {
        "account_type": "patient", "first_name": FIRST, "last_name": LAST, "email": EMAIL,
        "phone": f"+263{PHONE_DIGITS}", "date_of_birth": "1977-07-17", "password1": PASSWORD, "password2": PASSWORD,
    })
    client.post(reverse("login"), {"login": EMAIL, "password": "not-the-password"})
    link = re.search(r"https?://[^/\s]+(/accounts/confirm-email/[^\s]+/)", mail.outbox[-1].body).group(1)
    client.post(link)
    response = client.post(reverse("login"), {"login": EMAIL, "password": PASSWORD})
    assert response.status_code == 302
    patient = User.objects.get(email=EMAIL)

    # booking through the wizard
    start = parse_aware(
        re.search(r'value="(\d{4}-\d\d-\d\dT[^"]+)"', client.get(
            reverse("booking:book") + f"?scan={scan.code}", follow=True).content.decode()).group(1)
    )
    client.post(reverse("booking:book_when"), {"start": start.isoformat(), "date": ""})
    client.post(reverse("booking:book_payment"), {"method": "self"})
    page = client.get(reverse("booking:book_confirm"))
    token = re.search(r'name="token" value="([^"]+)"', page.content.decode()).group(1)
    client.post(reverse("booking:book_confirm"), {"token": token})
    appointment = Appointment.objects.get(patient=patient)
    client.get(reverse("booking:detail", args=[appointment.pk]))

    # referral upload: a good file and a disguised one
    client.post(reverse("referrals:upload_for_appointment", args=[appointment.pk]),
                {"file": SimpleUploadedFile(FILE_NAME, PDF), "doctor_name": "Dr Who"})
    client.post(reverse("referrals:upload_for_appointment", args=[appointment.pk]),
                {"file": SimpleUploadedFile(FILE_NAME, b"MZ" + b"\0" * 100), "doctor_name": "Dr Who"})

    # reception takes the payment; the scan happens; the radiologist reports
    reception = user_with_role(Role.RECEPTION)
    enable_totp(reception)
    staff = client_class_for(client)
    staff.force_login(reception)
    paid = staff.post(reverse("payments:desk_payment", args=[appointment.pk]),
               {"desk-method": Payment.Method.CASH, "desk-amount": str(appointment.patient_amount),
                "desk-reference": "R1"})
    assert paid.status_code == 302, paid.content.decode()[-3000:]
    appointment.refresh_from_db()
    if appointment.status == Appointment.Status.REQUESTED:
        booking.appointment_confirm(appointment=appointment, by=reception)
    booking.appointment_check_in(appointment=appointment, by=reception)
    booking.appointment_complete(appointment=appointment, by=reception)
    radiologist = user_with_role(Role.RADIOLOGIST)
    report = reports.report_start(appointment=appointment, radiologist=radiologist)
    reports.report_save_draft(report=report, radiologist=radiologist, findings="Clear lungs.", impression="Normal.",
                              recommendations="", critical_finding=False)
    report = reports.report_sign(report=report, radiologist=radiologist)

    # the patient reads and downloads the report; another patient is refused
    assert client.get(reverse("reports:view", args=[report.pk])).status_code == 200
    assert client.get(reverse("reports:download", args=[report.pk])).status_code == 200
    other = client_class_for(client)
    other.force_login(user_with_role(Role.PATIENT))
    assert other.get(reverse("reports:download", args=[report.pk])).status_code == 404

    assert Payment.objects.filter(appointment=appointment, status=Payment.Status.PAID).exists()
    assert len(captured_logs.lines) > 0  # the capture works: the flows do log
    leaks = [line for line in captured_logs.lines for secret in SECRETS if secret.lower() in line.lower()]
    assert leaks == []


def client_class_for(client):
    return client.__class__()

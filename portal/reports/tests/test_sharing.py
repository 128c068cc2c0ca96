"""Report share links: made by the patient, hashed, time-limited, revocable, optional SMS code,
every opening in "Who opened my report"."""

from __future__ import annotations

import datetime as dt
import re

import pytest
import time_machine
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from portal.accounts.roles import Role
from portal.accounts.tests.factories import user_with_role
from portal.notifications import sms
from portal.reports import sharing
from portal.reports.models import ReportAccess, ReportShare
from portal.reports.tests.factories import completed_appointment, signed_report

pytestmark = pytest.mark.django_db


@pytest.fixture
def patient():
    # A surname that cannot turn up on a page by chance, for the "not in html" checks below: Faker's
    # are common words (Price, Page, Day) and may be the random radiologist's too
    return user_with_role(Role.PATIENT, last_name="Mukanhairi")


@pytest.fixture
def report(patient):
    return signed_report(appointment=completed_appointment(patient=patient), findings="Shared findings text.")


@pytest.fixture
def patient_client(client, patient):
    client.force_login(patient)
    return client


def _make(patient_client, report, **data):
    form = {"recipient_name": "Dr Moyo (second opinion)", "days": "7", "phone": "", **data}
    return patient_client.post(reverse("reports:share", args=[report.pk]), form)


def _link(response) -> str:
    html = response.content.decode()
    return re.search(r'id="share-link" type="text" value="http://testserver([^"]+)"', html).group(1)


def test_a_link_opens_the_report_for_someone_without_an_account(patient_client, report):
    path = _link(_make(patient_client, report))
    page = Client().get(path)
    html = page.content.decode()
    assert page.status_code == 200 and "Shared findings text." in html
    assert "no-store" in page["Cache-Control"] and page["Referrer-Policy"] == "no-referrer"


def test_the_shared_page_has_no_way_into_the_portal(patient_client, report):
    html = Client().get(_link(_make(patient_client, report))).content.decode()
    for name in ("accounts:dashboard", "booking:list", "reports:mine", "login"):
        assert f'href="{reverse(name)}"' not in html


def test_only_the_hash_of_the_token_is_stored(patient_client, report):
    path = _link(_make(patient_client, report))
    token = path.rstrip("/").rsplit("/", 1)[1]
    share = ReportShare.objects.get()
    assert len(token) >= 40 and token not in share.token_hash
    assert share.token_hash == sharing.token_hash(token)


def test_every_opening_shows_in_who_opened_my_report(patient_client, report):
    path = _link(_make(patient_client, report))
    Client().get(path)
    access = ReportAccess.objects.get(share__isnull=False)
    assert access.user is None and access.action == ReportAccess.Action.VIEW
    page = patient_client.get(reverse("reports:view", args=[report.pk])).content.decode()
    assert "Shared link: Dr Moyo (second opinion)" in page


def test_a_revoked_link_says_so_and_shows_nothing(patient_client, report):
    path = _link(_make(patient_client, report))
    share = ReportShare.objects.get()
    patient_client.post(reverse("reports:share_revoke", args=[share.pk]))
    page = Client().get(path)
    html = page.content.decode()
    assert page.status_code == 410 and "withdrawn" in html
    assert "Shared findings text." not in html and report.appointment.patient.last_name not in html


def test_an_expired_link_says_so_and_shows_nothing(patient_client, report):
    path = _link(_make(patient_client, report, days="2"))
    with time_machine.travel(timezone.now() + dt.timedelta(days=2, minutes=1)):
        page = Client().get(path)
    assert page.status_code == 410 and "expired" in page.content.decode()
    assert "Shared findings text." not in page.content.decode()
    assert not ReportAccess.objects.filter(share__isnull=False).exists()


def test_an_unknown_token_is_not_found(report):
    assert Client().get(reverse("reports:shared", args=["x" * 43])).status_code == 404


def test_expiry_over_the_maximum_is_refused_with_a_message(patient_client, report):
    response = _make(patient_client, report, days="31")
    assert response.status_code == 400 and "at most 30 days" in response.content.decode()
    assert not ReportShare.objects.exists()


def test_the_service_refuses_a_lifetime_over_the_maximum(patient, report):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        sharing.report_share_create(report=report, by=patient, recipient_name="Dr X", days=45)


def test_another_patient_cannot_share_or_revoke(client, patient_client, report):
    _make(patient_client, report)
    share = ReportShare.objects.get()
    client.force_login(user_with_role(Role.PATIENT))
    assert client.get(reverse("reports:share", args=[report.pk])).status_code == 404
    assert client.post(reverse("reports:share_revoke", args=[share.pk])).status_code == 404
    share.refresh_from_db()
    assert share.revoked_at is None


def test_the_access_code_is_texted_and_required(patient_client, report, settings,
                                                django_capture_on_commit_callbacks):
    settings.SMS_BACKEND = "locmem"
    sms.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        response = _make(patient_client, report, phone="0771234567")
    path = _link(response)
    [message] = sms.outbox
    code = re.search(r"Access code (\d{6})", message.body).group(1)
    assert message.to == "+263771234567"
    share = ReportShare.objects.get()
    assert code not in share.access_code_hash and share.code_phone_last_digits == "4567"

    visitor = Client()
    first = visitor.get(path).content.decode()
    assert "Enter the access code" in first and "Shared findings text." not in first
    wrong = visitor.post(path, {"code": "000000" if code != "000000" else "111111"})
    assert wrong.status_code == 400 and "not right" in wrong.content.decode()
    assert visitor.post(path, {"code": code}).status_code == 302
    assert "Shared findings text." in visitor.get(path).content.decode()


def test_five_wrong_codes_lock_the_link(patient, report):
    share, token = sharing.report_share_create(report=report, by=patient, recipient_name="Dr X", days=3,
                                               phone="+263771234567")
    visitor = Client()
    path = reverse("reports:shared", args=[token])
    for _ in range(ReportShare.MAX_CODE_ATTEMPTS):
        last = visitor.post(path, {"code": "999999"})
    share.refresh_from_db()
    assert share.state(timezone.now()) == "locked" and last.status_code == 410


def test_the_pdf_through_the_link_is_recorded_as_a_download(patient_client, report):
    path = _link(_make(patient_client, report))
    response = Client().get(path + "pdf/")
    assert response.status_code == 200 and response.content.startswith(b"%PDF")
    assert ReportAccess.objects.filter(share__isnull=False, action=ReportAccess.Action.DOWNLOAD).count() == 1

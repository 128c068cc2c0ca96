"""The printable estimate: the stored quote (or the confirm step's quote) on the letterhead, as a PDF."""

from __future__ import annotations

import datetime as dt
import io
import re
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from portal.booking import services
from portal.booking.estimate import estimate_from_appointment
from portal.booking.tests.conftest import local
from portal.catalogue.models import ScanType

pytestmark = pytest.mark.django_db


def _text(response) -> str:
    assert response["Content-Type"] == "application/pdf"
    pdf = b"".join(response.streaming_content) if response.streaming else response.content
    return " ".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)


@pytest.fixture
def booked(patient, scan, room, plan, day):
    return services.appointment_book(patient=patient, scan_type=scan, start=local(day, 10), plan=plan,
                                     member_number="CIM-778", screening_answers={}, booked_by=patient)


def test_the_appointment_estimate_shows_the_stored_quote_on_the_letterhead(client, patient, booked):
    client.force_login(patient)
    text = _text(client.get(reverse("booking:estimate", args=[booked.pk])))
    # 80 % of 100.00 with a 5.00 co-payment: aid pays 80.00, shortfall 15.00, patient pays 20.00
    for figure in ("USD 100.00", "USD 80.00", "USD 15.00", "USD 5.00", "USD 20.00"):
        assert figure in text
    assert "CIM-778" in text and booked.scan_type.name in text and f"APT-{booked.pk}" in text
    assert timezone.localtime(booked.start).strftime("%H:%M") in text
    assert "No preparation needed." in text
    assert f"Valid until {timezone.localtime(booked.start):%-d %B %Y}" in text


def test_a_later_price_change_does_not_change_the_estimate_of_a_booked_appointment(client, patient, booked):
    ScanType.objects.filter(pk=booked.scan_type_id).update(price=Decimal("999.00"))
    client.force_login(patient)
    text = _text(client.get(reverse("booking:estimate", args=[booked.pk])))
    assert "USD 100.00" in text and "999" not in text


def test_another_patients_estimate_is_not_found(client, other_patient, booked):
    client.force_login(other_patient)
    assert client.get(reverse("booking:estimate", args=[booked.pk])).status_code == 404


def test_the_estimate_is_never_cached(client, patient, booked):
    client.force_login(patient)
    response = client.get(reverse("booking:estimate", args=[booked.pk]))
    assert "no-store" in response["Cache-Control"]
    assert response["Content-Disposition"].startswith("attachment;")


def test_the_confirm_step_estimate_has_the_numbers_the_step_shows(client, patient, scan, room, plan, day):
    client.force_login(patient)
    client.get(reverse("booking:book") + f"?scan={scan.code}")
    client.post(reverse("booking:book_when"), {"start": local(day, 11).isoformat()})
    client.post(reverse("booking:book_payment"), {"method": "aid", "plan": plan.pk, "member_number": "ZX-1"})
    page = client.get(reverse("booking:book_confirm")).content.decode()
    shown = set(re.findall(r'data-quote="\w+">(?:&minus; )?(USD [\d,.]+)', page))
    assert reverse("booking:book_estimate") in page
    text = _text(client.get(reverse("booking:book_estimate")))
    assert shown and all(figure in text for figure in shown)
    assert "ZX-1" in text and "Not booked yet" in text


def test_the_confirm_step_estimate_needs_the_earlier_steps(client, patient, scan, room):
    client.force_login(patient)
    client.get(reverse("booking:book") + f"?scan={scan.code}")
    response = client.get(reverse("booking:book_estimate"))
    assert response.status_code == 302 and response["Location"] == reverse("booking:book_when")


def test_an_unbooked_estimate_is_valid_at_most_the_configured_days(patient, scan, room, settings):
    from portal.booking.estimate import estimate_from_quote
    from portal.catalogue.selectors import quote_for

    settings.ESTIMATE_VALID_DAYS = 2
    issued = timezone.now()
    far = issued + dt.timedelta(days=20)
    estimate = estimate_from_quote(patient=patient, scan_type=scan, start=far, plan=None, member_number="",
                                   quote=quote_for(scan_type=scan, plan=None), issued_at=issued)
    assert estimate.valid_until == timezone.localtime(issued).date() + dt.timedelta(days=2)
    assert estimate.member_number == "" and estimate.plan_name == ""


def test_the_stored_shortfall_is_what_the_patient_pays_less_the_co_payment(booked):
    estimate = estimate_from_appointment(booked, issued_at=timezone.now())
    assert estimate.shortfall + estimate.co_payment == estimate.patient_pays == booked.patient_amount
    assert estimate.covered + estimate.patient_pays == estimate.total

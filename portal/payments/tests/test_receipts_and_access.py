from __future__ import annotations

from decimal import Decimal

import pytest
from django.urls import reverse

from portal.accounts.roles import Role
from portal.accounts.tests.factories import enable_totp, user_with_role
from portal.booking.tests.factories import AppointmentFactory
from portal.core.tests.factories import set_practice_details
from portal.payments.tests.factories import PaymentFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def practice():
    """The practice's details, as marketing staff set them in Wagtail."""
    return set_practice_details(practice_name="Harare Imaging Centre", address="12 Samora Machel Ave, Harare",
                                phone="+263 24 270 0000")


def test_receipt_page_shows_payment_and_practice_details(client, practice):
    payment = PaymentFactory(amount=Decimal("75.00"), reference="SLIP-7")
    client.force_login(payment.appointment.patient)
    page = client.get(reverse("payments:receipt", args=[payment.pk])).content.decode()
    assert "Harare Imaging Centre" in page and "12 Samora Machel Ave" in page
    assert f"R-{payment.pk:06d}" in page
    assert "USD 75.00" in page and "SLIP-7" in page
    assert payment.appointment.scan_type.name in page


def test_receipt_pdf_renders(client, practice):
    payment = PaymentFactory(amount=Decimal("75.00"))
    client.force_login(payment.appointment.patient)
    response = client.get(reverse("payments:receipt_pdf", args=[payment.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    assert f"receipt-R-{payment.pk:06d}.pdf" in response["Content-Disposition"]


def test_refunded_payment_receipt_shows_the_refund(client):
    payment = PaymentFactory(amount=Decimal("80.00"), refunded_amount=Decimal("30.00"),
                             status="partially_refunded")
    client.force_login(payment.appointment.patient)
    page = client.get(reverse("payments:receipt", args=[payment.pk])).content.decode()
    assert "USD 30.00" in page and "USD 50.00" in page


def test_no_receipt_for_a_payment_not_received(client):
    payment = PaymentFactory(status="pending", paid_at=None, method="card_online")
    client.force_login(payment.appointment.patient)
    assert client.get(reverse("payments:receipt", args=[payment.pk])).status_code == 404
    assert client.get(reverse("payments:receipt_pdf", args=[payment.pk])).status_code == 404


@pytest.mark.parametrize("name", ["payments:receipt", "payments:receipt_pdf"])
def test_someone_elses_receipt_is_404(client, name):
    payment = PaymentFactory()
    client.force_login(AppointmentFactory().patient)
    assert client.get(reverse(name, args=[payment.pk])).status_code == 404


def test_someone_elses_appointment_is_404_on_every_payments_page(client):
    appointment = AppointmentFactory(patient_amount=Decimal("100.00"))
    client.force_login(AppointmentFactory().patient)
    assert client.get(reverse("payments:appointment", args=[appointment.pk])).status_code == 404
    assert client.get(reverse("payments:checkout_cancel", args=[appointment.pk])).status_code == 404
    for name in ["payments:desk_payment", "payments:claim_submit", "payments:claim_outcome", "payments:checkout"]:
        assert client.post(reverse(name, args=[appointment.pk])).status_code == 404, name


@pytest.mark.parametrize("role", [Role.REFERRING_DOCTOR, Role.RADIOGRAPHER, Role.MARKETING_EDITOR])
def test_roles_without_payment_rights_get_404(client, role):
    payment = PaymentFactory()
    user = user_with_role(role)
    enable_totp(user)
    client.force_login(user)
    assert client.get(reverse("payments:appointment", args=[payment.appointment_id])).status_code == 404
    assert client.get(reverse("payments:receipt", args=[payment.pk])).status_code == 404


def test_staff_see_any_receipt_and_the_payments_desk(reception_client):
    payment = PaymentFactory()
    assert reception_client.get(reverse("payments:receipt", args=[payment.pk])).status_code == 200
    page = reception_client.get(reverse("payments:list")).content.decode()
    assert "Payments desk" in page and reverse("payments:receipt", args=[payment.pk]) in page


def test_patient_list_shows_only_their_payments(client):
    mine = PaymentFactory(reference="MINE")
    PaymentFactory(reference="THEIRS")
    client.force_login(mine.appointment.patient)
    page = client.get(reverse("payments:list")).content.decode()
    assert reverse("payments:receipt", args=[mine.pk]) in page
    assert "THEIRS" not in page and "Refunds to give back" not in page


def test_appointment_panel_is_registered_for_the_appointment_page(reception):
    from portal.core.registry import appointment_panels_for

    appointment = AppointmentFactory(patient_amount=Decimal("100.00"))
    panels = {p["template"]: p["context"] for p in appointment_panels_for(appointment.patient, appointment)}
    assert panels["payments/panels/appointment.html"]["balance"].due == Decimal("100.00")
    assert "desk_form" not in panels["payments/panels/appointment.html"]
    staff_panels = {p["template"]: p["context"] for p in appointment_panels_for(reception, appointment)}
    assert "desk_form" in staff_panels["payments/panels/appointment.html"]
    stranger = AppointmentFactory().patient
    assert "payments/panels/appointment.html" not in {p["template"]
                                                       for p in appointment_panels_for(stranger, appointment)}

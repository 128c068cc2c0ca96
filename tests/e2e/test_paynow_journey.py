"""A patient pays by EcoCash express through Paynow (its HTTP API mocked; our hash checks real):
asks for the payment, waits on the approval page, and sees it received once the phone approved."""

from __future__ import annotations

import re
from urllib.parse import urlencode

import pytest
import responses

from portal.payments.tests import paynow_helpers as pn
from tests.e2e.support import PATIENT, seed_demo

pytestmark = pytest.mark.e2e


def _appointment_with_balance():
    from portal.booking.models import Appointment
    from portal.payments.selectors import appointment_balance

    for appointment in Appointment.objects.filter(patient__email=PATIENT).order_by("start"):
        if appointment.holds_slot and appointment_balance(appointment).due > 0:
            return appointment
    raise AssertionError("the demo patient has no appointment with a balance due")


def test_patient_pays_by_ecocash_express(journey, settings):
    settings.PAYNOW_INTEGRATION_ID = pn.INTEGRATION_ID
    settings.PAYNOW_INTEGRATION_KEY = pn.INTEGRATION_KEY
    seed_demo()
    appointment = _appointment_with_balance()
    with responses.RequestsMock(assert_all_requests_are_fired=False) as paynow_api:
        pn.mock_mobile_start(paynow_api)
        page = journey.sign_in(PATIENT)
        page.wait_for_url(re.compile(r"/dashboard/"))
        page = journey.visit(f"/payments/appointments/{appointment.pk}/", "appointment payment")
        form = page.get_by_test_id("paynow-form")
        form.get_by_label("EcoCash").check()
        form.get_by_label("Mobile-money number").fill("0771234567")
        journey.follow(form.get_by_role("button", name=re.compile(r"^Pay ")), "approve on the phone")
        assert "Approve the payment" in page.locator("h1").inner_text()

        from portal.payments.models import Payment

        payment = Payment.objects.get(appointment=appointment, method="mobile_money")
        paynow_api.add(responses.POST, pn.POLL_URL, body=urlencode(pn.status_message(payment)))
        page.locator("h1", has_text="Payment received").wait_for(timeout=20_000)  # the page refreshes itself
        journey.arrived("payment received")
        journey.follow(page.get_by_role("link", name="View receipt"), "receipt")
        receipt = page.locator("#main").inner_text()
        assert "Mobile money (EcoCash / OneMoney)" in receipt
        assert "Paynow reference" in receipt and "9510" in receipt and "Card payment" not in receipt
    journey.assert_clean()

"""A signed-in patient: reads a scan page, books with their medical aid, sees the quote and the
appointment, reads and downloads an earlier report."""

from __future__ import annotations

import re

import pytest

from tests.e2e.support import PATIENT, choose_medical_aid, open_day_beyond_cutoff, pick_first_free_slot, seed_demo

pytestmark = pytest.mark.e2e


def test_patient_books_with_medical_aid_and_reads_reports(journey):
    seed_demo()
    page = journey.sign_in(PATIENT, check=True)
    page.wait_for_url(re.compile(r"/dashboard/"))
    journey.arrived("dashboard")

    page = journey.visit("/scans/us-abdomen/", "scan page")
    page.get_by_role("link", name="Book this scan").click()
    page.wait_for_url(re.compile(r"/appointments/book/when/"))
    journey.arrived("date and time")
    open_day_beyond_cutoff(page)  # the visit is moved below: book it where moving is still allowed
    pick_first_free_slot(page)
    journey.snap("slot chosen")
    page.get_by_role("button", name="Continue").click()

    page.wait_for_url(re.compile(r"/appointments/book/payment/"))
    journey.arrived("payment")
    choose_medical_aid(page, plan="Classic", member_number="ZH-445566")
    page.get_by_role("button", name="Continue").click()

    page.wait_for_url(re.compile(r"/appointments/book/confirm/"))
    journey.arrived("confirm with quote")
    quote = page.locator("#quote")
    assert "US$70.00" in quote.inner_text() or "70.00" in quote.inner_text()
    page.get_by_role("button", name="Confirm booking").click()
    page.wait_for_url(re.compile(r"/appointments/\d+/$"))
    journey.arrived("appointment")
    assert "Abdominal ultrasound" in page.locator("h1").inner_text()

    # Another time after all: the same picker on the appointment's own page.
    journey.follow(page.get_by_role("link", name="Change date or time"), "change date or time")
    slot = page.locator("#picker .slot-grid label").nth(3)
    new_time = slot.inner_text().strip()
    slot.click()
    journey.follow(page.get_by_role("button", name="Move my appointment"), "moved")
    assert re.search(rf"{new_time}\s*–", page.locator("#main").inner_text())  # "HH:MM–HH:MM" as booked now

    journey.visit("/notifications/preferences/", "notification preferences")
    journey.visit("/appointments/list/", "my appointments")
    journey.visit("/payments/", "my payments")
    page = journey.visit("/reports/", "my reports")
    journey.follow(page.get_by_role("link", name="Read").first, "report")
    with page.expect_download() as download:
        page.get_by_role("link", name="Download PDF").click()
    assert download.value.suggested_filename.endswith(".pdf")
    journey.assert_clean()

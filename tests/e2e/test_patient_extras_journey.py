"""Issue 16 in the browser: the printable estimate, a report share link opened in a fresh browser,
the waitlist offer after someone else cancels, and a guardian booking for their child. Axe runs
on every new page."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from tests.e2e.support import PATIENT, open_day_beyond_cutoff, pick_first_free_slot, seed_demo

pytestmark = pytest.mark.e2e
SCAN = "us-abdomen"


def _expected_status(journey, status: int) -> None:
    """The page just shown answered `status` on purpose (bad input refused, a closed link): the
    browser logs that as a console error; only that one entry is dropped."""
    marker = f"status of {status}"
    expected = [e for e in journey.console_errors if marker in e]
    assert expected, f"expected a {status} answer"
    journey.console_errors = [e for e in journey.console_errors if marker not in e]


def _book_to_confirm(journey, page):
    page = journey.goto(f"/appointments/book/?scan={SCAN}")
    page.wait_for_url(re.compile(r"/appointments/book/when/"))
    open_day_beyond_cutoff(page)
    pick_first_free_slot(page)
    page.get_by_role("button", name="Continue").click()
    page.wait_for_url(re.compile(r"/appointments/book/payment/"))
    page.get_by_role("radio", name=re.compile("Self-pay|pay myself|I pay", re.I)).check()
    page.get_by_role("button", name="Continue").click()
    page.wait_for_url(re.compile(r"/appointments/book/confirm/"))
    return page


def test_the_estimate_downloads_at_the_quote_step_and_on_the_appointment(journey):
    seed_demo()
    page = journey.sign_in(PATIENT)
    page = _book_to_confirm(journey, page)
    journey.arrived("confirm with estimate link")
    with page.expect_download() as download:
        page.get_by_role("link", name="Download this estimate (PDF)").click()
    assert download.value.suggested_filename.startswith("estimate-quote-")
    page.get_by_role("button", name="Confirm booking").click()
    page.wait_for_url(re.compile(r"/appointments/\d+/$"))
    journey.arrived("appointment with estimate link")
    with page.expect_download() as download:
        page.get_by_role("link", name="Printable estimate (PDF)").click()
    assert re.match(r"estimate-apt-\d+-", download.value.suggested_filename)
    assert download.value.path().read_bytes().startswith(b"%PDF")
    journey.assert_clean()


def test_a_shared_report_opens_in_a_fresh_browser_and_shows_in_who_opened(person):
    seed_demo()
    patient = person("patient")
    page = patient.sign_in(PATIENT)
    page = patient.visit("/reports/", "my reports")
    patient.follow(page.get_by_role("link", name="Read").first, "report")
    patient.follow(page.get_by_role("link", name="Share with a doctor"), "share page")
    page.get_by_label("Who is it for?").fill("Dr Chikwanha (second opinion)")
    page.get_by_label("Link lasts (days)").fill("31")
    patient.follow(page.get_by_role("button", name="Make the link"), "expiry refused")
    assert "at most 30 days" in page.locator("#main").inner_text()
    _expected_status(patient, 400)
    page.get_by_label("Link lasts (days)").fill("5")
    patient.follow(page.get_by_role("button", name="Make the link"), "link made")
    link = page.get_by_label(re.compile("Copy it now")).input_value()

    doctor = person("doctor")  # a fresh browser context: no session, no account
    other = doctor.page
    other.goto(link)
    doctor.arrived("shared report")
    assert "Radiology report" in other.locator("h1").inner_text()
    assert other.get_by_role("link", name="Sign in").count() == 0  # no way into the portal

    share_url = page.url
    patient.follow(page.locator(".breadcrumb-item a").nth(1), "report again")
    assert "Shared link: Dr Chikwanha (second opinion)" in page.locator("#main").inner_text()
    page.goto(share_url)
    patient.follow(page.get_by_role("button", name=re.compile("^Revoke")), "revoked")
    doctor.page.reload()
    doctor.arrived("revoked link")
    assert "withdrawn" in doctor.page.locator("#main").inner_text()
    _expected_status(doctor, 410)
    patient.assert_clean()
    doctor.assert_clean()


def test_join_the_waitlist_another_patient_cancels_accept_the_offer(person):
    from django.utils import timezone

    from portal.accounts.models import User
    from portal.booking import services
    from portal.catalogue.models import ScanType

    seed_demo()
    scan = ScanType.objects.get(code=SCAN)
    other = User.objects.get(email="patient2@demo.test")
    day = timezone.localdate() + dt.timedelta(days=4)
    while day.weekday() >= 5:
        day += dt.timedelta(days=1)
    from portal.booking.selectors import slots_for

    start = slots_for(scan_type=scan, day=day)[-1].start
    held = services.appointment_book(patient=other, scan_type=scan, start=start, plan=None, member_number="",
                                     screening_answers={}, booked_by=other)
    waiting = person("waiting")
    page = waiting.sign_in(PATIENT)
    page = waiting.visit(f"/waitlist/join/?scan={SCAN}", "join the waitlist")
    page.get_by_label("From").fill(day.isoformat())
    page.get_by_label("Until").fill(day.isoformat())
    waiting.follow(page.get_by_role("button", name="Join the waitlist"), "my waitlist")
    assert "Abdominal ultrasound" in page.locator("#main").inner_text()

    cancelling = person("cancelling")
    page2 = cancelling.sign_in("patient2@demo.test")
    page2 = cancelling.goto(f"/appointments/{held.pk}/")
    cancelling.follow(page2.get_by_role("link", name="Cancel appointment"), "cancel")
    reason = page2.locator("textarea, input[name=reason]").first
    if reason.count():
        reason.fill("Travelling")
    cancelling.follow(page2.get_by_role("button", name="Cancel appointment"), "cancelled")

    page.reload()
    waiting.arrived("offer on my waitlist")
    assert "Offered to you until" in page.locator("#main").inner_text()
    waiting.follow(page.get_by_role("button", name="Book this time"), "wizard after accepting")
    page.get_by_role("radio", name=re.compile("Self-pay|pay myself|I pay", re.I)).check()
    page.get_by_role("button", name="Continue").click()
    page.wait_for_url(re.compile(r"/appointments/book/confirm/"))
    page.get_by_role("button", name="Confirm booking").click()
    page.wait_for_url(re.compile(r"/appointments/\d+/$"))
    waiting.arrived("booked from the waitlist")
    assert timezone.localtime(start).strftime("%H:%M") in page.locator("#main").inner_text()
    waiting.visit("/waitlist/", "waitlist booked")
    assert "Booked from the waitlist" in waiting.page.locator("#main").inner_text()
    waiting.assert_clean()
    cancelling.assert_clean()


def test_a_guardian_adds_a_child_and_books_for_them(journey):
    seed_demo()
    page = journey.sign_in(PATIENT)
    page = journey.visit("/family/", "family")
    page.get_by_label("First name").fill("Tariro")
    page.get_by_label("Last name").fill("Example")
    page.get_by_label("Date of birth").fill((dt.date.today() + dt.timedelta(days=2)).isoformat())
    journey.follow(page.get_by_role("button", name="Add"), "future birth date refused")
    assert "cannot be in the future" in page.locator("#main").inner_text()
    _expected_status(journey, 400)
    page.get_by_label("Date of birth").fill("2018-03-14")
    journey.follow(page.get_by_role("button", name="Add"), "child added")
    page.get_by_label("Whose records").select_option(label="Tariro Example")
    journey.follow(page.get_by_role("button", name="Switch"), "acting for the child")
    page = _book_to_confirm(journey, page)
    journey.arrived("confirm for the child")
    page.get_by_role("button", name="Confirm booking").click()
    page.wait_for_url(re.compile(r"/appointments/\d+/$"))
    journey.arrived("the child's appointment")
    from portal.booking.models import Appointment

    booked = Appointment.objects.order_by("-pk").first()
    assert booked.patient.get_full_name() == "Tariro Example"
    page.get_by_label("Whose records").select_option(value="me")
    journey.follow(page.get_by_role("button", name="Switch"), "back to me")
    journey.assert_clean()

"""One journey per role beyond the patient (tests/e2e/test_patient_journey.py): what each person
does on a normal day, in the browser, each page checked with axe and for console (CSP) errors.
Staff sign in without the TOTP step here; tests/e2e/test_staff_mfa_journey.py covers it."""

from __future__ import annotations

import re

import pytest

from tests.e2e.support import (
    DOCTOR,
    MANAGER,
    RADIOGRAPHER,
    RADIOLOGIST,
    RECEPTION,
    pick_first_free_slot,
    referral_pdf,
    seed_demo,
    start_or_continue_report,
)

pytestmark = pytest.mark.e2e


@pytest.fixture
def demo(settings):
    settings.STAFF_MFA_REQUIRED = False
    seed_demo()


def _local_day(appointment) -> str:
    from portal.core.clock import practice_tz

    return appointment.start.astimezone(practice_tz()).date().isoformat()


def test_reception_books_by_phone_and_confirms(journey, demo):
    from portal.booking.models import Appointment

    page = journey.sign_in(RECEPTION)
    journey.arrived("dashboard")
    page = journey.visit("/appointments/worklist/", "worklist today")
    journey.follow(page.locator("#main").get_by_role("link", name="Book for a patient"), "find the patient")
    page.get_by_label("Name or email").fill("Ncube")
    journey.follow(page.get_by_role("button", name="Search"), "patients found")
    journey.follow(page.get_by_role("button", name="Book for Rudo"), "choose scan for the patient")
    page.locator("label.option-card", has_text="Abdominal ultrasound").click()
    page.get_by_role("button", name="Continue").click()
    page.wait_for_url(re.compile(r"/book/when/"))
    journey.arrived("date and time")
    pick_first_free_slot(page)
    page.get_by_role("button", name="Continue").click()
    page.wait_for_url(re.compile(r"/book/payment/"))
    page.get_by_role("radio", name=re.compile("Self-pay|pay myself|Pay myself", re.I)).check()
    page.get_by_role("button", name="Continue").click()
    page.wait_for_url(re.compile(r"/book/confirm/"))
    journey.arrived("confirm")
    assert "Booking on behalf of" in page.content()
    page.get_by_role("button", name="Confirm booking").click()
    page.wait_for_url(re.compile(r"/appointments/\d+/$"))
    journey.arrived("booked for the patient")
    booked = Appointment.objects.get(pk=int(re.search(r"/appointments/(\d+)/", page.url).group(1)))
    assert booked.patient.email == "patient2@demo.test" and booked.booked_by.email == RECEPTION

    # A request waiting for the practice: reception confirms it on the worklist.
    waiting = (
        Appointment.objects.filter(status=Appointment.Status.REQUESTED, needs_review=False)
        .exclude(pk=booked.pk).order_by("start").first()
    )
    page = journey.visit(f"/appointments/worklist/?date={_local_day(waiting)}", "worklist with a request")
    row = page.locator("tbody tr", has=page.locator(f'a[href="/appointments/{waiting.pk}/"]'))
    journey.follow(row.get_by_role("button", name="Confirm"), "confirmed")
    waiting.refresh_from_db()
    assert waiting.status == Appointment.Status.CONFIRMED

    # The patient asks for another room and time: reception moves the booking.
    row = page.locator("tbody tr", has=page.locator(f'a[href="/appointments/{waiting.pk}/"]'))
    journey.follow(row.get_by_role("link", name="Move"), "move")
    rooms = page.get_by_label("Room").locator("option")
    if rooms.count() > 1:  # another room of the same kind: choose it and show its times
        page.get_by_label("Room").select_option(index=rooms.count() - 1)
        journey.follow(page.get_by_role("button", name="Show times"), "other room's times")
    old_start = waiting.start
    page.locator("#picker .slot-grid label").nth(2).click()
    journey.follow(page.get_by_role("button", name="Move here"), "moved")
    waiting.refresh_from_db()
    assert waiting.start != old_start

    # Payment at the desk for the phone booking, and its receipt.
    page = journey.visit(f"/appointments/{booked.pk}/", "the phone booking")
    desk = page.locator("form", has=page.get_by_role("heading", name="Record a payment at the desk"))
    desk.get_by_label("Method").select_option(index=0)
    desk.get_by_label("Amount", exact=True).fill(str(booked.patient_amount))
    journey.follow(desk.get_by_role("button", name="Record payment"), "paid at the desk")
    journey.follow(page.get_by_role("link", name="Receipt").first, "receipt")
    journey.visit("/payments/", "payments")
    journey.assert_clean()


def test_radiographer_checks_in_and_completes(journey, demo, settings):
    from portal.booking.models import Appointment

    settings.BOOKING_CHECK_IN_EARLY_MINUTES = 60 * 24 * 90  # the demo's next confirmed visit may be days ahead

    appointment = Appointment.objects.filter(status=Appointment.Status.CONFIRMED).order_by("start").first()
    name = appointment.patient.get_full_name()
    journey.sign_in(RADIOGRAPHER)
    journey.arrived("dashboard")
    page = journey.visit(f"/appointments/worklist/?date={_local_day(appointment)}", "worklist")
    row = page.locator("tbody tr", has=page.locator(f'a[href="/appointments/{appointment.pk}/"]'))
    journey.follow(row.get_by_role("button", name="Check in"), "checked in")
    row = page.locator("tbody tr", has=page.locator(f'a[href="/appointments/{appointment.pk}/"]'))
    journey.follow(row.get_by_role("button", name="Complete"), "completed")
    appointment.refresh_from_db()
    assert appointment.status == Appointment.Status.COMPLETED
    assert name in page.content()
    journey.assert_clean()


def test_radiologist_reports_from_the_scan_types_template_with_a_pick_list(journey, demo):
    """Issue 17.2: the picker offers the scan type's template (the default chosen), the draft starts
    from its text, a pick-list choice adds its line, and the signed report keeps that text."""
    from portal.catalogue.models import ScanType
    from portal.reports.models import Report
    from portal.reports.tests.factories import completed_appointment

    scan = completed_appointment(scan_type=ScanType.objects.get(code="ct-brain"))
    name = scan.patient.get_full_name()
    journey.sign_in(RADIOLOGIST)
    page = journey.visit("/reports/worklist/", "reporting worklist")
    row = page.locator("tbody tr", has_text=name)
    journey.follow(row.get_by_role("link", name="Start report"), "template picker")
    assert page.get_by_role("radio", name=re.compile("Normal CT brain")).is_checked()
    journey.follow(page.get_by_role("button", name="Start the draft"), "editor from the template")
    findings = page.get_by_label("Findings")
    assert "TECHNIQUE: Non-contrast CT of the brain." in findings.input_value()
    page.get_by_role("button", name="subdural", exact=True).click()
    assert "Haemorrhage: subdural" in findings.input_value()
    page.get_by_role("button", name="Sign and finalise…").click()
    page.locator("#sign-dialog").get_by_role("button", name="Sign and finalise", exact=True).click()
    page.wait_for_url(re.compile(r"/reports/\d+/view/"))
    journey.arrived("signed from the template")
    signed = Report.objects.get(appointment=scan, status=Report.Status.SIGNED)
    assert "Non-contrast CT of the brain" in signed.findings and "Haemorrhage: subdural" in signed.findings
    assert signed.impression == "No acute intracranial abnormality."
    journey.assert_clean()


def test_radiologist_reviews_screening_reports_and_amends(journey, demo):
    from portal.booking.models import Appointment
    from portal.reports.models import Report

    journey.sign_in(RADIOLOGIST)
    journey.arrived("dashboard")
    review = Appointment.objects.filter(needs_review=True, reviewed_at__isnull=True).order_by("start").first()
    if review is not None:  # the demo leaves one screening answer for a radiologist to review
        page = journey.visit(f"/appointments/worklist/?date={_local_day(review)}", "worklist with a review")
        row = page.locator("tbody tr", has=page.locator(f'a[href="/appointments/{review.pk}/"]'))
        journey.follow(row.get_by_role("button", name="Mark reviewed"), "reviewed")
        review.refresh_from_db()
        assert review.reviewed_at is not None

    page = journey.visit("/reports/worklist/", "reporting worklist")
    first = page.locator("tbody tr").first
    start_or_continue_report(page, first)
    journey.arrived("editor")
    page.get_by_label("Findings").fill("Mild degenerative change. No fracture.")
    page.get_by_label("Impression").fill("No acute abnormality.")
    page.get_by_role("button", name="Sign and finalise…").click()  # opens the page's dialog
    page.locator("#sign-dialog").get_by_role("button", name="Sign and finalise", exact=True).click()
    page.wait_for_url(re.compile(r"/reports/\d+/view/"))
    journey.arrived("signed")
    signed = Report.objects.get(pk=int(re.search(r"/reports/(\d+)/", page.url).group(1)))
    assert signed.status == Report.Status.SIGNED and signed.pdf

    # Signing is final; a correction is an amendment (a new version; the signed one is kept).
    journey.follow(page.get_by_role("link", name="Amend"), "amend")
    page.get_by_label("Reason for the amendment").fill("Impression clarified after comparison with prior films.")
    page.get_by_role("button", name="Start amendment").click()
    page.wait_for_url(re.compile(r"/reports/\d+/edit/"))
    journey.arrived("amendment editor")
    page.get_by_label("Impression").fill("No acute abnormality. Unchanged from prior study.")
    page.get_by_role("button", name="Sign and finalise…").click()  # opens the page's dialog
    page.locator("#sign-dialog").get_by_role("button", name="Sign and finalise", exact=True).click()
    page.wait_for_url(re.compile(r"/reports/\d+/view/"))
    journey.arrived("amendment signed")
    assert "Unchanged from prior study" in page.content()
    signed.refresh_from_db()
    assert signed.status != Report.Status.SIGNED or Report.objects.filter(supersedes=signed).exists()
    journey.assert_clean()


def test_referring_doctor_sends_a_referral_and_reads_reports(journey, demo, tmp_path):
    from portal.referrals.models import Referral

    journey.sign_in(DOCTOR)
    journey.arrived("dashboard")
    page = journey.visit("/doctor/referrals/", "my referrals")
    new_referral = page.get_by_role("link", name=re.compile("New referral|Send a referral|Refer a patient", re.I))
    journey.follow(new_referral.first, "new referral")
    letter = tmp_path / "letter.pdf"
    referral_pdf(letter, patient="Tendai Moyo", doctor="Dr Farai Chikwanha")
    page.get_by_label("Patient's first name").fill("Tendai")
    page.get_by_label("Patient's last name").fill("Moyo")
    page.get_by_label("Patient's date of birth").fill("1985-04-12")
    page.get_by_label("Patient's email address").fill("tendai.moyo@example.test")  # always asked (issue 13.11)
    page.get_by_label("Examination requested").select_option(label="MRI knee")
    page.get_by_label("Clinical notes").fill("Locking of the right knee after a sports injury.")
    page.get_by_label("Referral letter").set_input_files(str(letter))
    page.get_by_role("button", name="Send referral").click()
    page.wait_for_url(re.compile(r"/doctor/referrals/$"))  # the same page whether or not the patient had an account
    assert page.get_by_text("Waiting for the patient to accept").first.is_visible()
    journey.arrived("referral sent")
    assert Referral.objects.filter(referring_doctor__user__email=DOCTOR, scan_type__code="mri-knee").exists()

    page = journey.visit("/doctor/referrals/", "my referrals again")
    journey.follow(page.locator("tbody tr", has_text="Reported").first.get_by_role("link").first, "a reported referral")
    journey.follow(page.get_by_role("link", name="Read").first, "the report")
    with page.expect_download() as download:
        page.get_by_role("link", name="Download PDF").click()
    assert download.value.suggested_filename.endswith(".pdf")
    journey.assert_clean()


def test_manager_sees_the_practice(journey, settings):
    settings.STAFF_MFA_REQUIRED = False
    seed_demo(history=400)  # some months of synthetic history for the charts
    journey.sign_in(MANAGER)
    journey.arrived("dashboard")
    page = journey.visit("/analytics/dashboard/", "analytics overview")
    assert page.locator("[data-figure=month]").inner_text().strip() not in ("", "0")
    assert page.locator(".bk-Canvas, .bk-root, [data-root-id]").first.is_visible()  # a Bokeh chart drew
    for name in ("revenue", "feedback", "missed", "turnaround", "risk"):
        journey.visit(f"/analytics/{name}/", f"analytics {name}")
    journey.visit("/appointments/worklist/", "worklist")
    journey.visit("/payments/", "payments")
    journey.visit("/feedback/", "feedback")
    journey.visit("/staff/doctors/", "doctor approvals")
    journey.assert_clean()

"""The whole story, person by person, each in a browser of their own:

a visitor reads a scan page and its price -> registers, verifies the email, signs in -> books with
safety questions and the medical-aid quote, uploads the referral letter -> reception confirms and
checks in, records the desk payment -> the radiographer completes the scan -> the radiologist writes
and signs the report -> the patient is told, reads and downloads the PDF, rates the visit -> the
referring doctor reads the report -> the manager sees the visit, the payment and the rating.
"""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from django.core import mail

from tests.e2e.support import (
    DOCTOR,
    MANAGER,
    RADIOGRAPHER,
    RADIOLOGIST,
    RECEPTION,
    choose_medical_aid,
    pick_first_free_slot,
    referral_pdf,
    seed_demo,
    start_or_continue_report,
    worklist_row,
)

pytestmark = pytest.mark.e2e

EMAIL = "rufaro.story@example.test"
PASSWORD = "Quiet-harbour-lantern-58"
NAME = "Rufaro Mhlanga"


def _register_and_sign_in(visitor) -> None:
    page = visitor.page
    page.get_by_label("First name").fill("Rufaro")
    page.get_by_label("Last name").fill("Mhlanga")
    page.get_by_label("Email").fill(EMAIL)
    page.get_by_label("Phone").fill("+263772345678")
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_label("Password (again)").fill(PASSWORD)
    page.get_by_role("button", name="Register").click()
    page.wait_for_url(re.compile(r"/accounts/confirm-email/"))
    visitor.arrived("check your email")
    message = next(m for m in reversed(mail.outbox) if EMAIL in m.to)
    link = re.search(r"https?://[^/\s]+(/accounts/confirm-email/[^\s]+/)", message.body).group(1)
    visitor.goto(link)
    visitor.arrived("confirm email")
    visitor.follow(page.get_by_role("button", name="Confirm"))
    visitor.sign_in(EMAIL, PASSWORD)


def test_the_whole_story(person, settings, tmp_path):
    # The story books a visit days ahead and runs it today: open the check-in window that far.
    settings.BOOKING_CHECK_IN_EARLY_MINUTES = 60 * 24 * 90
    settings.STAFF_MFA_REQUIRED = False  # the MFA path has its own journey (test_staff_mfa_journey)
    settings.SMS_BACKEND = "locmem"
    seed_demo()
    from portal.accounts.models import User
    from portal.booking.models import Appointment
    from portal.core.clock import practice_tz
    from portal.referrals.models import Referral

    # A visitor reads about the scan and its price.
    patient = person("patient")
    page = patient.visit("/scans/", "scan types")
    patient.follow(page.get_by_role("link", name="CT brain").first, "ct brain page")
    assert "180.00" in page.get_by_test_id("scan-price").inner_text()
    patient.follow(page.get_by_role("link", name="What will my medical aid pay?"), "pricing and estimator")
    assert "180.00" in page.locator("#main").inner_text()
    page.go_back()
    page.get_by_role("link", name="Book this scan").click()

    # Booking needs an account: register, verify the email, sign in, and book.
    page.wait_for_url(re.compile(r"/(login|register)/"))
    patient.arrived("sign in to book")
    patient.follow(page.get_by_role("link", name="Register").first, "register")
    _register_and_sign_in(patient)
    page.wait_for_url(re.compile(r"/dashboard/"))
    patient.arrived("dashboard")

    patient.visit("/appointments/book/?scan=ct-brain", "date and time")
    pick_first_free_slot(page)
    page.get_by_role("button", name="Continue").click()
    page.wait_for_url(re.compile(r"/book/safety/"))
    patient.arrived("safety questions")
    for group in page.locator("fieldset").all():
        group.get_by_text("No", exact=True).click()
    page.get_by_role("button", name="Continue").click()
    page.wait_for_url(re.compile(r"/book/payment/"))
    patient.arrived("payment")
    choose_medical_aid(page, plan="Classic", member_number="ZH-778899")
    page.get_by_role("button", name="Continue").click()
    page.wait_for_url(re.compile(r"/book/referral/"))
    patient.arrived("referral letter")
    letter = tmp_path / "referral-letter.pdf"
    referral_pdf(letter, patient=NAME, doctor="Dr Farai Chikwanha")
    page.get_by_label("Referral letter").set_input_files(str(letter))
    page.get_by_label("Referring doctor (as on the letter)").fill("Dr Farai Chikwanha")
    page.get_by_role("button", name="Upload and continue").click()
    page.wait_for_url(re.compile(r"/book/confirm/"))
    patient.arrived("confirm with quote")
    quote = page.locator("#quote")
    assert "180.00" in quote.inner_text()
    assert "Classic" in quote.inner_text()
    page.get_by_role("button", name="Confirm booking").click()
    page.wait_for_url(re.compile(r"/appointments/\d+/$"))
    patient.arrived("booked")

    user = User.objects.get(email=EMAIL)
    appointment = Appointment.objects.get(patient=user)
    assert appointment.status == Appointment.Status.REQUESTED  # the practice checks the letter first
    referral = Referral.objects.get(appointment=appointment)
    assert referral.content_type == "application/pdf"
    # The letter came from a doctor who uses the portal: the practice links it to their account.
    Referral.objects.filter(pk=referral.pk).update(referring_doctor=User.objects.get(email=DOCTOR).doctor_profile)
    day = appointment.start.astimezone(practice_tz()).date().isoformat()

    # Reception confirms, checks the patient in and takes the payment at the desk.
    reception = person("reception")
    reception.sign_in(RECEPTION)
    page = reception.visit(f"/appointments/worklist/?date={day}", "worklist")
    reception.follow(worklist_row(page, NAME).get_by_role("button", name="Confirm"), "confirmed")
    reception.follow(worklist_row(page, NAME).get_by_role("button", name="Check in"), "checked in")
    reception.follow(worklist_row(page, NAME).get_by_role("link", name=NAME), "appointment for staff")
    appointment.refresh_from_db()
    share = appointment.patient_amount
    assert share > 0
    desk = page.locator("form", has=page.get_by_role("heading", name="Record a payment at the desk"))
    desk.get_by_label("Method").select_option(label="Cash")
    desk.get_by_label("Amount", exact=True).fill(str(share))
    reception.follow(desk.get_by_role("button", name="Record payment"), "payment recorded")
    assert page.get_by_test_id("balance-due").inner_text().strip() in ("USD 0.00", "0.00")

    # The radiographer completes the scan.
    radiographer = person("radiographer")
    radiographer.sign_in(RADIOGRAPHER)
    page = radiographer.visit(f"/appointments/worklist/?date={day}", "worklist")
    radiographer.follow(worklist_row(page, NAME).get_by_role("button", name="Complete"), "completed")
    appointment.refresh_from_db()
    assert appointment.status == Appointment.Status.COMPLETED

    # The radiologist writes and signs the report.
    radiologist = person("radiologist")
    radiologist.sign_in(RADIOLOGIST)
    page = radiologist.visit("/reports/worklist/", "reporting worklist")
    start_or_continue_report(page, page.locator("tbody tr", has_text=NAME))
    radiologist.arrived("report editor")
    page.get_by_label("Findings").fill("No intracranial haemorrhage, mass or midline shift. Ventricles normal.")
    page.get_by_label("Impression").fill("Normal CT brain.")
    radiologist.follow(page.get_by_role("button", name="Save draft"), "draft saved")
    page.get_by_role("button", name="Sign and finalise…").click()  # opens the page's dialog
    page.locator("#sign-dialog").get_by_role("button", name="Sign and finalise", exact=True).click()
    page.wait_for_url(re.compile(r"/reports/\d+/view/"))
    radiologist.arrived("signed report")

    # The patient is told, reads the report, downloads the PDF and rates the visit.
    told = [m for m in mail.outbox if EMAIL in m.to and "report is ready" in m.subject.lower()]
    assert told, [m.subject for m in mail.outbox if EMAIL in m.to]
    page = patient.visit("/reports/", "my reports")
    patient.follow(page.locator("tbody tr", has_text="CT brain").get_by_role("link", name="Read"), "report")
    assert "Normal CT brain." in page.content()
    with page.expect_download() as download:
        page.get_by_role("link", name="Download PDF").click()
    pdf = tmp_path / "report.pdf"
    download.value.save_as(pdf)
    assert pdf.read_bytes().startswith(b"%PDF-")
    patient.follow(page.get_by_role("link", name="Tell us in a minute"), "feedback form")
    for field in ("overall", "waiting_time", "staff"):
        page.locator(f"input[name={field}][value='5']").check()
    page.locator("input[name=recommend][value='10']").check()
    page.get_by_label("Anything else you would like to tell us?").fill("Quick and kind. Thank you.")
    patient.follow(page.get_by_role("button", name="Send feedback"), "feedback sent")

    # The referring doctor reads the report.
    doctor = person("doctor")
    doctor.sign_in(DOCTOR)
    page = doctor.visit("/doctor/referrals/", "my referrals")
    doctor.follow(page.locator("tbody tr", has_text=NAME).get_by_role("link").first, "referral")
    doctor.follow(page.get_by_role("link", name="Read").first, "report")
    assert "Normal CT brain." in page.content()

    # The manager sees the visit, the payment and the rating.
    manager = person("manager")
    manager.sign_in(MANAGER)
    page = manager.visit(f"/appointments/worklist/?date={day}", "worklist")
    assert "Completed" in worklist_row(page, NAME).inner_text()
    page = manager.visit("/payments/", "payments")
    assert page.locator("tbody tr", has_text=NAME).count() >= 1
    page = manager.visit("/feedback/", "feedback")
    assert "Quick and kind" in page.locator("tbody tr", has_text=NAME).inner_text()
    # The analytics dashboard for the day of the visit: the visit's rating is the day's only one,
    # and the desk payment is in the month's revenue.
    page = manager.visit(f"/analytics/dashboard/?start={day}&end={day}&period=day", "analytics for the day")
    assert page.locator("[data-figure=rating]").inner_text().strip() == "5.00 / 5"
    shown = page.locator("[data-figure=revenue]").inner_text().strip()
    assert shown.startswith("USD ")  # money with its currency, as everywhere (issue 18.13)
    revenue = Decimal(shown.removeprefix("USD ").replace(",", ""))
    assert revenue >= share
    page = manager.visit(f"/analytics/feedback/?start={day}&end={day}", "analytics feedback")
    assert "Quick and kind" in page.content()

    for someone in (patient, reception, radiographer, radiologist, doctor, manager):
        someone.assert_clean()

"""Reception builds a medical-aid claim batch, downloads it, and imports the scheme's remittance (one line
paid short, one rejected): the claims and the patients' balances follow."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re

import pytest

from tests.e2e.support import RECEPTION, seed_demo

pytestmark = pytest.mark.e2e


def _claimable_appointments():
    """Completed demo appointments with medical aid (up to two), with the letter's diagnosis recorded."""
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.utils import timezone

    from portal.accounts.models import User
    from portal.booking.models import Appointment
    from portal.core.simplepdf import simple_pdf
    from portal.referrals.services import referral_set_diagnosis, referral_upload

    found = list(Appointment.objects.filter(status="completed", plan__isnull=False, covered_amount__gt=0,
                                            medical_aid_claim__isnull=True,
                                            start__gte=timezone.now() - dt.timedelta(days=20))
                 .exclude(member_number="").select_related("plan__scheme", "patient", "scan_type")[:2])
    assert found, "the demo has no completed medical-aid appointment to claim"
    reception = User.objects.get(email=RECEPTION)
    for appointment in found:
        assert appointment.scan_type.tariff_code, appointment.scan_type
        referral = appointment.referrals.first()
        if referral is None:  # the practice scans the letter the patient brought
            referral = referral_upload(patient=appointment.patient, uploaded_by=reception, appointment=appointment,
                                       uploaded_file=SimpleUploadedFile("letter.pdf", simple_pdf("Referral letter")))
        if not referral.icd10_codes:
            referral_set_diagnosis(referral=referral, codes="R10.4", by=reception)
    return found


def test_reception_builds_a_batch_and_imports_its_remittance(journey, settings, tmp_path):
    settings.STAFF_MFA_REQUIRED = False
    settings.CLAIMS_PRACTICE_NUMBER = "AHFOZ-0412"
    seed_demo()
    appointments = _claimable_appointments()
    scheme = appointments[0].plan.scheme
    appointments = [a for a in appointments if a.plan.scheme_id == scheme.pk]
    page = journey.sign_in(RECEPTION)
    page.wait_for_url(re.compile(r"/dashboard/"))
    page = journey.visit("/payments/claims/", "claims desk")
    page.get_by_label("Medical-aid scheme").first.select_option(label=scheme.name)
    from django.utils import timezone

    today = timezone.localdate()
    page.get_by_label("Scans from").fill((today - dt.timedelta(days=30)).isoformat())
    page.get_by_label("to (inclusive)").fill(today.isoformat())
    journey.follow(page.get_by_role("button", name="Show what would be claimed"), "batch preview")
    preview = page.get_by_test_id("batch-preview").inner_text()
    assert "ready to claim" in preview
    journey.follow(page.get_by_role("button", name=re.compile(r"^Submit \d+ claims? as a batch")), "batch built")
    assert "Claim batch CB-" in page.locator("h1").inner_text()

    with page.expect_download() as download:
        page.get_by_role("link", name="Download CSV").click()
    rows = list(csv.DictReader(io.StringIO(download.value.path().read_text())))
    assert rows and all(row["practice_number"] == "AHFOZ-0412" for row in rows)

    # The scheme pays the first line short and rejects the second; the rest in full.
    for index, row in enumerate(rows):
        row["amount_paid"], row["rejection_reason"] = row["amount_claimed"], ""
        if index == 0:
            row["amount_paid"], row["rejection_reason"] = f"{float(row['amount_claimed']) / 2:.2f}", "Tariff cap"
        elif index == 1:
            row["amount_paid"], row["rejection_reason"] = "0", "Member suspended"
    remittance = tmp_path / "remittance.csv"
    with remittance.open("w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=[*rows[0].keys()])
        writer.writeheader()
        writer.writerows(rows)

    page = journey.goto("/payments/claims/")
    form = page.locator("form[action$='/claims/remittances/']")
    form.get_by_label("Medical-aid scheme").select_option(label=scheme.name)
    form.get_by_label("Remittance file (CSV)").set_input_files(str(remittance))
    journey.follow(form.get_by_role("button", name="Import remittance"), "remittance imported")
    applied = page.get_by_test_id("applied").inner_text()
    assert "Part-paid" in applied and "Tariff cap" in applied
    if len(rows) >= 2:
        assert "Rejected" in applied and "Member suspended" in applied
    journey.assert_clean()

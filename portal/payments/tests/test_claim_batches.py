"""Medical-aid claim batches (CSV/XLSX in the documented layout) and remittance imports."""

from __future__ import annotations

import csv
import datetime as dt
import io
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from portal.accounts.roles import Role
from portal.accounts.tests.factories import enable_totp, user_with_role
from portal.catalogue.tests.factories import PlanFactory, ScanTypeFactory
from portal.payments import claim_batches, claim_files
from portal.payments.models import ClaimBatch, MedicalAidClaim, Payment, RemittanceImport
from portal.payments.selectors import appointment_balance
from portal.referrals.models import Referral
from portal.referrals.services import referral_set_diagnosis
from portal.reports.tests.factories import completed_appointment

pytestmark = pytest.mark.django_db

TODAY = dt.date.today


@pytest.fixture(autouse=True)
def _practice_number(settings):
    settings.CLAIMS_PRACTICE_NUMBER = "AHFOZ-0412"


@pytest.fixture
def plan():
    return PlanFactory(scheme__name="CIMAS", scheme__short_name="CIMAS")


@pytest.fixture
def scan():
    return ScanTypeFactory(code="ct-abdomen-claims", name="CT abdomen", tariff_code="71150")


def _claimable(plan, scan, *, member="CIM-1001", codes=("R10.4",), covered="120.00", patient_amount="30.00",
               hours_ago=30, **kwargs):
    appointment = completed_appointment(plan=plan, scan_type=scan, member_number=member, hours_ago=hours_ago,
                                        covered_amount=Decimal(covered), patient_amount=Decimal(patient_amount),
                                        **kwargs)
    referral = Referral.objects.create(patient=appointment.patient, appointment=appointment, file="referrals/x.pdf",
                                       content_type="application/pdf", size=10, sha256="0" * 64)
    if codes:
        referral.icd10_codes = list(codes)
        referral.save()
    return appointment


@pytest.fixture
def reception(client):
    user = user_with_role(Role.RECEPTION)
    enable_totp(user)
    client.force_login(user)
    return user


def _period():
    return {"batch-scheme": "", "batch-period_start": (TODAY() - dt.timedelta(days=7)).isoformat(),
            "batch-period_end": TODAY().isoformat()}


def _build(client, plan) -> ClaimBatch:
    data = {**_period(), "batch-scheme": plan.scheme.pk}
    page = client.get(reverse("payments:claims"), data)
    assert page.status_code == 200
    response = client.post(reverse("payments:claim_batch_build"), data)
    assert response.status_code == 302, [str(m) for m in page.context["messages"]]
    return ClaimBatch.objects.get()


def _remittance(rows: list[dict]) -> bytes:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=claim_files.REMITTANCE_COLUMNS)
    writer.writeheader()
    for row in rows:
        writer.writerow({key: row.get(key, "") for key in claim_files.REMITTANCE_COLUMNS})
    return out.getvalue().encode()


def _import(client, plan, content: bytes, name="cimas-remittance.csv"):
    return client.post(reverse("payments:remittance_import"), {
        "remittance-scheme": plan.scheme.pk,
        "remittance-file": SimpleUploadedFile(name, content, content_type="text/csv")}, follow=True)


def _messages(response) -> list[str]:
    return [str(m) for m in response.context["messages"]]


def test_round_trip_batch_then_remittance_with_a_rejected_and_a_short_paid_line(client, reception, plan, scan):
    full = _claimable(plan, scan, member="CIM-1001")
    short = _claimable(plan, scan, member="CIM-1002", codes=("K80.2", "R10.1"))
    rejected = _claimable(plan, scan, member="CIM-1003")
    batch = _build(client, plan)
    assert MedicalAidClaim.objects.filter(batch=batch, status="submitted").count() == 3

    # The batch file, in the documented layout
    csv_bytes = client.get(reverse("payments:claim_batch_file", args=[batch.pk, "csv"])).content
    rows = list(csv.DictReader(io.StringIO(csv_bytes.decode())))
    assert list(rows[0]) == claim_files.BATCH_COLUMNS
    by_member = {row["member_number"]: row for row in rows}
    line = by_member["CIM-1002"]
    patient = short.patient
    assert line["patient"] == f"{patient.last_name}, {patient.first_name}"
    assert (line["tariff_code"], line["icd10"], line["amount_claimed"]) == ("71150", "K80.2;R10.1", "120.00")
    assert line["date_of_service"] == timezone.localtime(short.start).date().isoformat()
    assert line["practice_number"] == "AHFOZ-0412" and line["dependant_code"] == "00" and line["scheme"] == "CIMAS"
    xlsx = client.get(reverse("payments:claim_batch_file", args=[batch.pk, "xlsx"]))
    from openpyxl import load_workbook

    sheet = load_workbook(io.BytesIO(xlsx.content)).active
    assert [cell.value for cell in sheet[1]] == claim_files.BATCH_COLUMNS
    assert sheet.max_row == 4 and sum(row[8].value for row in sheet.iter_rows(min_row=2)) == 360

    # The scheme's answer: one paid in full, one short-paid, one rejected
    answer = {"CIM-1001": ("120.00", ""), "CIM-1002": ("90.00", "Tariff cap"), "CIM-1003": ("0", "Not authorised")}
    remit = _remittance([{**row, "amount_paid": answer[row["member_number"]][0],
                          "rejection_reason": answer[row["member_number"]][1]} for row in rows])
    response = _import(client, plan, remit)
    assert "Remittance imported: 3 claims updated, 0 lines to look at." in _messages(response)
    claims = {c.appointment_id: c for c in MedicalAidClaim.objects.all()}
    assert (claims[full.pk].status, claims[full.pk].amount_paid) == ("paid", Decimal("120.00"))
    assert (claims[short.pk].status, claims[short.pk].amount_paid) == ("paid", Decimal("90.00"))
    assert claims[rejected.pk].status == "rejected" and claims[rejected.pk].rejection_reason == "Not authorised"
    # shortfalls move to the patient
    assert appointment_balance(full).due == Decimal("30.00")
    assert appointment_balance(short).due == Decimal("60.00")
    assert appointment_balance(rejected).due == Decimal("150.00")
    assert Payment.objects.filter(method="medical_aid_claim").count() == 2

    # The same file again: refused, nothing changes twice
    again = _import(client, plan, remit)
    assert any("already imported" in m for m in _messages(again))
    assert Payment.objects.filter(method="medical_aid_claim").count() == 2
    # Another file repeating applied lines: those lines do nothing
    _import(client, plan, remit + b"\r\n", name="resent.csv")
    assert Payment.objects.filter(method="medical_aid_claim").count() == 2
    assert RemittanceImport.objects.count() == 2


def test_preview_lists_what_it_leaves_out_and_why(client, reception, plan, scan):
    ready = _claimable(plan, scan)
    no_member = _claimable(plan, scan, member="")
    no_code = _claimable(plan, scan, codes=())
    no_tariff = _claimable(plan, ScanTypeFactory(code="xr-no-tariff", name="Chest X-ray"))
    _claimable(PlanFactory(scheme__name="PSMAS"), scan)  # another scheme
    _claimable(plan, scan, hours_ago=24 * 30)  # before the period
    cancelled = _claimable(plan, scan)
    cancelled.status = "cancelled"
    cancelled.save()
    preview = claim_batches.claim_batch_preview(scheme=plan.scheme, period_start=TODAY() - dt.timedelta(days=7),
                                                period_end=TODAY())
    assert [a.pk for a in preview.ready] == [ready.pk]
    assert {a.pk: why for a, why in preview.skipped} == {
        no_member.pk: "no member number", no_code.pk: "no ICD-10 diagnosis code on its referral",
        no_tariff.pk: "no tariff code on the scan type Chest X-ray"}
    page = client.get(reverse("payments:claims"), {**_period(), "batch-scheme": plan.scheme.pk}).content.decode()
    assert "1</strong> ready to claim" in page and "no member number" in page


@pytest.mark.parametrize(("start", "end", "message"), [
    (-1, -2, "The period ends before it starts."),
    (3, 5, "The period is in the future"),
    (-120, 0, "A batch covers at most 92 days."),
])
def test_a_bad_period_is_refused(plan, scan, reception, start, end, message):
    _claimable(plan, scan)
    with pytest.raises(ValidationError, match=message):
        claim_batches.claim_batch_build(scheme=plan.scheme, period_start=TODAY() + dt.timedelta(days=start),
                                        period_end=TODAY() + dt.timedelta(days=end), by=reception)
    assert not ClaimBatch.objects.exists()


def test_nothing_to_claim_says_so(client, reception, plan):
    response = client.post(reverse("payments:claim_batch_build"), {**_period(), "batch-scheme": plan.scheme.pk},
                           follow=True)
    assert any("No completed, unclaimed appointments of CIMAS" in m for m in _messages(response))
    assert not ClaimBatch.objects.exists()


@pytest.fixture
def batch_rows(plan, scan, reception):
    _claimable(plan, scan, member="CIM-1001")
    _claimable(plan, scan, member="CIM-1002")
    batch = claim_batches.claim_batch_build(scheme=plan.scheme, period_start=TODAY() - dt.timedelta(days=7),
                                            period_end=TODAY(), by=reception)
    return claim_batches.batch_rows(batch)


def _paid(rows, changes=None):
    changes = changes or {}
    return [{**row, "amount_paid": row["amount_claimed"], "rejection_reason": "", **changes.get(i, {})}
            for i, row in enumerate(rows)]


@pytest.mark.parametrize(("content", "problem"), [
    (b"claim_number,scheme\r\nCL-1,CIMAS\r\n", "Line 1: missing columns member_number, amount_paid, rejection_reason."),
    ("bad-amount", "Line 3: the amount paid 'ninety' is not a number."),
    ("negative", "Line 2: the amount paid '-5.00' must be zero or more"),
    ("zero-no-reason", "Line 3: nothing was paid, so the rejection reason must be given."),
    ("not-ours", "Line 2: the claim number 'INV-77' is not one of ours"),
    ("duplicate", "Line 3: claim CL-"),
    ("over", "Line 2: 500.00 paid is more than the 120.00 claimed"),
    ("other-scheme", "Line 3: this line is for 'PSMAS', not CIMAS."),
    (b"\xff\xfe\x00bad", "not a UTF-8 CSV file"),
    (b"claim_number,scheme,member_number,amount_paid,rejection_reason\r\n", "no lines after its header"),
])
def test_a_malformed_remittance_is_refused_with_line_and_reason_and_nothing_applied(
        client, reception, plan, batch_rows, content, problem):
    edits = {
        "bad-amount": {1: {"amount_paid": "ninety"}},
        "negative": {0: {"amount_paid": "-5.00"}},
        "zero-no-reason": {1: {"amount_paid": "0"}},
        "not-ours": {0: {"claim_number": "INV-77"}},
        "duplicate": {1: {"claim_number": batch_rows[0]["claim_number"]}},
        "over": {0: {"amount_paid": "500.00"}},
        "other-scheme": {1: {"scheme": "PSMAS"}},
    }
    data = content if isinstance(content, bytes) else _remittance(_paid(batch_rows, edits[content]))
    response = _import(client, plan, data)
    texts = _messages(response)
    assert "The remittance was not imported; nothing was changed." in texts
    assert any(problem in m for m in texts), texts
    assert MedicalAidClaim.objects.filter(status="submitted").count() == 2
    assert not RemittanceImport.objects.exists() and not Payment.objects.exists()


def test_a_line_for_a_claim_made_to_another_scheme_is_refused(client, reception, plan, scan, batch_rows):
    psmas = PlanFactory(scheme__name="PSMAS")
    response = _import(client, psmas, _remittance(_paid(batch_rows, {0: {"scheme": "PSMAS"}, 1: {"scheme": "PSMAS"}})))
    assert any("was made to another scheme, not PSMAS" in m for m in _messages(response))
    assert MedicalAidClaim.objects.filter(status="submitted").count() == 2


def test_unmatched_lines_are_listed_and_the_rest_applied(client, reception, plan, batch_rows):
    rows = _paid(batch_rows, {1: {"member_number": "CIM-9999"}})
    rows.append({**rows[0], "claim_number": "CL-999999"})
    response = _import(client, plan, _remittance(rows))
    page = response.content.decode()
    assert "the member number differs from the claim" in page and "CL-999999: no such claim" in page
    assert MedicalAidClaim.objects.filter(status="paid").count() == 1


def test_claims_pages_are_staff_only(client, plan, batch_rows):
    batch = ClaimBatch.objects.get()
    patient = MedicalAidClaim.objects.first().appointment.patient
    client.force_login(patient)
    for url in [reverse("payments:claims"), reverse("payments:claim_batch", args=[batch.pk]),
                reverse("payments:claim_batch_file", args=[batch.pk, "csv"])]:
        assert client.get(url).status_code in (403, 404), url
    assert client.post(reverse("payments:remittance_import"), {}).status_code in (403, 404)


def test_diagnosis_codes_are_checked_against_icd10(reception, plan, scan):
    appointment = _claimable(plan, scan, codes=())
    referral = appointment.referrals.get()
    referral = referral_set_diagnosis(referral=referral, codes="r104, K80.2; r10.4", by=reception)
    assert referral.icd10_codes == ["R10.4", "K80.2"]
    with pytest.raises(ValidationError, match=r"Not an ICD-10 code: Q99\.999, XYZ\."):
        referral_set_diagnosis(referral=referral, codes="R10.4, Q99.999, XYZ", by=reception)
    referral.refresh_from_db()
    assert referral.icd10_codes == ["R10.4", "K80.2"]
    with pytest.raises(ValidationError, match="may not record"):
        referral_set_diagnosis(referral=referral, codes="R10.4", by=appointment.patient)


def test_staff_record_codes_on_the_appointment_page(client, reception, plan, scan):
    appointment = _claimable(plan, scan, codes=())
    referral = appointment.referrals.get()
    page = client.get(reverse("booking:detail", args=[appointment.pk])).content.decode()
    assert "Diagnosis codes on the letter (ICD-10)" in page
    response = client.post(reverse("referrals:set_diagnosis", args=[referral.pk]), {"codes": "J18.9"}, follow=True)
    assert "Diagnosis codes saved: J18.9." in _messages(response)
    response = client.post(reverse("referrals:set_diagnosis", args=[referral.pk]), {"codes": "J18.99"}, follow=True)
    assert any("Not an ICD-10 code: J18.99." in m for m in _messages(response))
    client.force_login(appointment.patient)
    assert client.post(reverse("referrals:set_diagnosis", args=[referral.pk]), {"codes": "R10.4"}).status_code == 404

"""Writes (and the reads they need) of medical-aid claim batches and remittance imports.

A batch submits, in one transaction, a claim for every completed, unclaimed appointment of one
scheme in a period, through `services.claim_submit`, and keeps each claim line as sent (tariff code,
ICD-10 codes, dependant code). A remittance file is checked whole before anything is applied; its
lines then go through `services.claim_record_paid` / `claim_record_rejected` (shortfalls move to the
patient there), in one transaction, and the same file (or a line already applied) changes nothing twice.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass, field
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.utils import timezone

from portal.accounts.models import User
from portal.booking.models import Appointment
from portal.catalogue.models import MedicalAidScheme
from portal.core.clock import practice_tz
from portal.payments import claim_files, services
from portal.payments.models import ClaimBatch, MedicalAidClaim, RemittanceImport

MAX_PERIOD_DAYS = 92


@dataclass
class BatchPreview:
    ready: list[Appointment] = field(default_factory=list)
    skipped: list[tuple[Appointment, str]] = field(default_factory=list)


def _period_bounds(start: dt.date, end: dt.date) -> tuple[dt.datetime, dt.datetime]:
    if end < start:
        raise ValidationError("The period ends before it starts.")
    if (end - start).days + 1 > MAX_PERIOD_DAYS:
        raise ValidationError(f"A batch covers at most {MAX_PERIOD_DAYS} days.")
    if start > timezone.localdate():
        raise ValidationError("The period is in the future: only completed scans are claimed.")
    tz = practice_tz()
    return (dt.datetime.combine(start, dt.time.min, tzinfo=tz),
            dt.datetime.combine(end + dt.timedelta(days=1), dt.time.min, tzinfo=tz))


def _diagnosis(appointment: Appointment) -> list[str]:
    codes: list[str] = []
    for referral in appointment.referrals.all():
        codes += [code for code in referral.icd10_codes if code not in codes]
    return codes


def claim_batch_preview(*, scheme: MedicalAidScheme, period_start: dt.date, period_end: dt.date) -> BatchPreview:
    """What a batch would claim now, and what it would leave out and why (staff fix those first)."""
    begin, end = _period_bounds(period_start, period_end)
    appointments = (Appointment.objects.filter(
        status=Appointment.Status.COMPLETED, plan__scheme=scheme, start__gte=begin, start__lt=end,
        covered_amount__gt=0, medical_aid_claim__isnull=True)
        .select_related("patient", "scan_type", "plan").prefetch_related("referrals").order_by("start"))
    preview = BatchPreview()
    for appointment in appointments:
        if not appointment.member_number.strip():
            preview.skipped.append((appointment, "no member number"))
        elif not appointment.scan_type.tariff_code:
            preview.skipped.append((appointment, f"no tariff code on the scan type {appointment.scan_type.name}"))
        elif not _diagnosis(appointment):
            preview.skipped.append((appointment, "no ICD-10 diagnosis code on its referral"))
        else:
            preview.ready.append(appointment)
    return preview


@transaction.atomic
def claim_batch_build(*, scheme: MedicalAidScheme, period_start: dt.date, period_end: dt.date, by: User) -> ClaimBatch:
    """Submit a claim (the aid's share as booked) for each appointment the preview finds ready."""
    preview = claim_batch_preview(scheme=scheme, period_start=period_start, period_end=period_end)
    if not preview.ready:
        raise ValidationError(f"No completed, unclaimed appointments of {scheme.name} are ready to claim in "
                              "this period.")
    batch = ClaimBatch(scheme=scheme, period_start=period_start, period_end=period_end, created_by=by)
    batch.full_clean()
    batch.save()
    for appointment in preview.ready:
        claim = services.claim_submit(appointment=appointment, amount=appointment.covered_amount, by=by)
        claim.batch = batch
        claim.tariff_code = appointment.scan_type.tariff_code
        claim.icd10_codes = _diagnosis(appointment)
        claim.reference = claim_files.claim_number(claim.pk)
        claim.full_clean()
        claim.save(update_fields=["batch", "tariff_code", "icd10_codes", "reference", "updated_at"])
    return batch


def batch_claims(batch: ClaimBatch) -> QuerySet[MedicalAidClaim]:
    return batch.claims.select_related("appointment__patient", "appointment__plan__scheme").order_by("pk")


def batch_rows(batch: ClaimBatch) -> list[dict]:
    """The batch's lines in the documented layout."""
    rows = []
    for claim in batch_claims(batch):
        appointment = claim.appointment
        patient = appointment.patient
        rows.append({
            "claim_number": claim_files.claim_number(claim.pk),
            "scheme": batch.scheme.name,
            "member_number": appointment.member_number,
            "dependant_code": claim.dependant_code,
            "patient": f"{patient.last_name}, {patient.first_name}".strip(", "),
            "date_of_service": timezone.localtime(appointment.start).date().isoformat(),
            "tariff_code": claim.tariff_code,
            "icd10": ";".join(claim.icd10_codes),
            "amount_claimed": f"{claim.amount_claimed:.2f}",
            "practice_number": settings.CLAIMS_PRACTICE_NUMBER,
        })
    return rows


# --- Remittances -------------------------------------------------------------------------


def _scheme_matches(scheme: MedicalAidScheme, text: str) -> bool:
    names = {scheme.name.casefold(), (scheme.short_name or scheme.name).casefold()}
    return text.casefold() in names


@transaction.atomic
def remittance_import(*, scheme: MedicalAidScheme, data: bytes, original_name: str, by: User) -> RemittanceImport:
    """Apply a scheme's remittance file. Raises ValidationError listing every problem (line number and
    reason) and changes nothing when any line is wrong."""
    sha256 = hashlib.sha256(data).hexdigest()
    earlier = RemittanceImport.objects.filter(scheme=scheme, sha256=sha256).first()
    if earlier is not None:
        when = timezone.localtime(earlier.created_at)
        raise ValidationError(f"This file was already imported on {when:%d %b %Y %H:%M}; nothing was changed.")
    try:
        lines = claim_files.parse_remittance(data)
    except claim_files.RemittanceFileError as error:
        raise ValidationError(error.problems) from error

    problems = [f"Line {line.line}: this line is for {line.scheme!r}, not {scheme.name}."
                for line in lines if not _scheme_matches(scheme, line.scheme)]
    claims = {claim.pk: claim for claim in MedicalAidClaim.objects.select_for_update(of=("self",)).filter(
        pk__in=[line.claim_id for line in lines]).select_related("appointment__plan__scheme")}
    applied, unmatched, todo = [], [], []
    for line in lines:
        number = claim_files.claim_number(line.claim_id)
        claim = claims.get(line.claim_id)
        if claim is None:
            unmatched.append({"line": line.line, "claim": number, "why": "no such claim"})
        elif claim.appointment.plan is None or claim.appointment.plan.scheme_id != scheme.pk:
            problems.append(f"Line {line.line}: claim {number} was made to another scheme, not {scheme.name}.")
        elif claim.appointment.member_number.strip().casefold() != line.member_number.casefold():
            unmatched.append({"line": line.line, "claim": number, "why": "the member number differs from the claim's"})
        elif line.amount_paid > claim.amount_claimed:
            problems.append(f"Line {line.line}: {line.amount_paid} paid is more than the {claim.amount_claimed} "
                            f"claimed on {number}.")
        elif claim.status != MedicalAidClaim.Status.SUBMITTED:
            if _same_outcome(claim, line):
                continue  # applied before (another file with this line): nothing to do twice
            unmatched.append({"line": line.line, "claim": number,
                              "why": f"the claim is already {claim.get_status_display().lower()}"})
        else:
            todo.append((claim, line))
    if problems:
        raise ValidationError(problems)
    record = RemittanceImport(scheme=scheme, sha256=sha256, original_name=original_name[:200], lines=len(lines),
                              unmatched=unmatched, imported_by=by)
    try:
        with transaction.atomic():
            record.save()  # first: a concurrent import of the same file stops here
    except IntegrityError as error:
        raise ValidationError("This file is being imported already; nothing was changed.") from error
    for claim, line in todo:
        reference = f"Remittance R{record.pk}"
        if line.amount_paid == 0:
            services.claim_record_rejected(claim=claim, reason=line.rejection_reason, by=by)
            outcome = "rejected"
        else:
            services.claim_record_paid(claim=claim, amount=line.amount_paid, reference=reference, by=by)
            outcome = "paid" if line.amount_paid == claim.amount_claimed else "part-paid"
        applied.append({"line": line.line, "claim": claim_files.claim_number(claim.pk), "outcome": outcome,
                        "amount_paid": f"{line.amount_paid:.2f}", "reason": line.rejection_reason})
    record.applied = applied
    record.full_clean()
    record.save(update_fields=["applied", "updated_at"])
    return record


def _same_outcome(claim: MedicalAidClaim, line: claim_files.RemittanceLine) -> bool:
    if line.amount_paid == 0:
        return claim.status == MedicalAidClaim.Status.REJECTED
    return claim.status == MedicalAidClaim.Status.PAID and claim.amount_paid == line.amount_paid


def total_claimed(batch: ClaimBatch) -> Decimal:
    return sum((claim.amount_claimed for claim in batch.claims.all()), Decimal("0.00"))

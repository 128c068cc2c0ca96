"""The claim batch and remittance files, in one documented layout (README: "Medical-aid claim files").

Pure: rows in, bytes out, and bytes in, checked lines out. A batch file has one line per claim; a
scheme's remittance file repeats the claim's columns and adds what it paid (`amount_paid`) and, when
it paid nothing or less, why (`rejection_reason`). Columns are matched by name, in any order.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from portal.core.spreadsheets import csv_safe

BATCH_COLUMNS = [
    "claim_number", "scheme", "member_number", "dependant_code", "patient", "date_of_service",
    "tariff_code", "icd10", "amount_claimed", "practice_number",
]
REMITTANCE_COLUMNS = [*BATCH_COLUMNS, "amount_paid", "rejection_reason"]
REMITTANCE_REQUIRED = ["claim_number", "scheme", "member_number", "amount_paid", "rejection_reason"]
CLAIM_NUMBER = re.compile(r"^CL-(\d{1,9})$")
MAX_LINES = 20_000


def claim_number(pk: int) -> str:
    return f"CL-{pk:06d}"


def write_csv(rows: list[dict]) -> bytes:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=BATCH_COLUMNS, lineterminator="\r\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({key: csv_safe(str(row[key])) for key in BATCH_COLUMNS})
    return out.getvalue().encode("utf-8")


def write_xlsx(rows: list[dict], *, title: str) -> bytes:
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.title = title[:31]
    sheet.append(BATCH_COLUMNS)
    for row in rows:
        cells = [csv_safe(str(row[key])) for key in BATCH_COLUMNS]
        cells[BATCH_COLUMNS.index("amount_claimed")] = float(row["amount_claimed"])  # a number, to add up
        sheet.append(cells)
    sheet.freeze_panes = "A2"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


@dataclass(frozen=True)
class RemittanceLine:
    line: int  # as a spreadsheet numbers it: the header is line 1
    claim_id: int
    scheme: str
    member_number: str
    amount_paid: Decimal
    rejection_reason: str


class RemittanceFileError(ValueError):
    """The file cannot be applied; `problems` says where and why ("Line 4: ...")."""

    def __init__(self, problems: list[str]):
        super().__init__("; ".join(problems))
        self.problems = problems


def parse_remittance(data: bytes) -> list[RemittanceLine]:
    """Every line of a remittance CSV, checked; raises RemittanceFileError listing every problem."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise RemittanceFileError(["The file is not a UTF-8 CSV file (save it as CSV UTF-8)."]) from error
    reader = csv.DictReader(io.StringIO(text))
    header = [name.strip() for name in (reader.fieldnames or [])]
    missing = [name for name in REMITTANCE_REQUIRED if name not in header]
    if missing:
        raise RemittanceFileError([f"Line 1: missing column{'s' if len(missing) > 1 else ''} {', '.join(missing)}."])
    reader.fieldnames = header
    lines, problems = [], []
    for number, row in enumerate(reader, start=2):
        if number - 1 > MAX_LINES:
            raise RemittanceFileError([f"The file has more than {MAX_LINES} lines: split it."])
        if not any((value or "").strip() for value in row.values() if isinstance(value, str)):
            continue  # a blank line
        try:
            lines.append(_line(number, row))
        except ValueError as error:
            problems.append(f"Line {number}: {error}")
    if problems:
        raise RemittanceFileError(problems)
    if not lines:
        raise RemittanceFileError(["The file has no lines after its header."])
    seen: dict[int, int] = {}
    for line in lines:
        if line.claim_id in seen:
            problems.append(
                f"Line {line.line}: claim {claim_number(line.claim_id)} is also on line {seen[line.claim_id]}.")
        seen.setdefault(line.claim_id, line.line)
    if problems:
        raise RemittanceFileError(problems)
    return lines


def _line(number: int, row: dict) -> RemittanceLine:
    def cell(name: str) -> str:
        return (row.get(name) or "").strip().lstrip("'")  # our own formula guard, if a file comes back

    match = CLAIM_NUMBER.match(cell("claim_number"))
    if not match:
        raise ValueError(f"the claim number {cell('claim_number')!r} is not one of ours (CL-000123).")
    if not cell("scheme"):
        raise ValueError("the scheme is empty.")
    try:
        paid = Decimal(cell("amount_paid").replace(",", ""))
    except InvalidOperation:
        raise ValueError(f"the amount paid {cell('amount_paid')!r} is not a number.") from None
    if not paid.is_finite() or paid < 0 or paid.as_tuple().exponent < -2:
        raise ValueError(f"the amount paid {cell('amount_paid')!r} must be zero or more, with at most two decimals.")
    reason = cell("rejection_reason")
    if paid == 0 and not reason:
        raise ValueError("nothing was paid, so the rejection reason must be given.")
    return RemittanceLine(line=number, claim_id=int(match.group(1)), scheme=cell("scheme"),
                          member_number=cell("member_number"), amount_paid=paid, rejection_reason=reason[:300])

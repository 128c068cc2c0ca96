"""The one money format, shared by the public site (cms) and the portal: "USD 1,234.50".

Issue 18: the public site showed "US$", the portal "USD". Every template filter/tag that shows an
amount calls `format_money`, so both sides read the same. Rounding: whole cents, half up.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings

CENT = Decimal("0.01")


def format_money(value: Decimal | int | str | None, currency: str = "") -> str:
    """12 -> "USD 12.00"; Decimal("-5.005") -> "-USD 5.01"; None or "" -> ""."""
    if value is None or value == "":
        return ""
    amount = Decimal(value).quantize(CENT, rounding=ROUND_HALF_UP)
    sign = "-" if amount < 0 else ""
    return f"{sign}{currency or settings.CURRENCY} {abs(amount):,.2f}"

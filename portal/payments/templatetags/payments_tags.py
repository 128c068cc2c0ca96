from __future__ import annotations

from decimal import Decimal

from django import template
from django.conf import settings

from portal.catalogue.pricing import money

register = template.Library()


@register.filter
def amount(value: Decimal | int | str | None, currency: str = "") -> str:
    """`{{ payment.amount|amount }}` -> "USD 1,234.50" (the one rounding rule, the practice's currency)."""
    if value in (None, ""):
        return ""
    return f"{currency or settings.CURRENCY} {money(value):,.2f}"


@register.filter
def sub_amount(value: Decimal, other: Decimal) -> Decimal:
    return money(Decimal(value) - Decimal(other))

from __future__ import annotations

from decimal import Decimal

from django import template

from portal.catalogue.pricing import money
from portal.core.money import format_money
from portal.payments.selectors import receipt_number

register = template.Library()


@register.filter
def amount(value: Decimal | int | str | None, currency: str = "") -> str:
    """`{{ payment.amount|amount }}` -> "USD 1,234.50" (the one rounding rule, the practice's currency)."""
    return format_money(value, currency)


@register.filter
def sub_amount(value: Decimal, other: Decimal) -> Decimal:
    return money(Decimal(value) - Decimal(other))


@register.filter
def receipt_no(payment) -> str:
    """`{{ payment|receipt_no }}` -> "R-000123", the number on its receipt."""
    return receipt_number(payment)

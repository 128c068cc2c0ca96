from __future__ import annotations

from decimal import Decimal

from django import template
from django.conf import settings

register = template.Library()

STATUS_CLASSES = {
    "requested": "text-bg-warning",
    "confirmed": "text-bg-success",
    "checked_in": "text-bg-info",
    "completed": "text-bg-secondary",
    "cancelled": "text-bg-light border",
    "no_show": "text-bg-danger",
}


@register.filter
def money(value) -> str:
    if value is None or value == "":
        return ""
    return f"{settings.CURRENCY} {Decimal(value):,.2f}"


@register.filter
def status_class(status: str) -> str:
    return STATUS_CLASSES.get(status, "text-bg-light")

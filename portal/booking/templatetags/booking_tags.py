from __future__ import annotations

from django import template

from portal.core.money import format_money

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
    return format_money(value)


@register.filter
def status_class(status: str) -> str:
    return STATUS_CLASSES.get(status, "text-bg-light")

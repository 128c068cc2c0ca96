from __future__ import annotations

import datetime as dt
import math
from decimal import Decimal

import pandas as pd
from django import template
from django.utils import timezone

from portal.core.money import format_money

register = template.Library()


@register.filter
def cell(value):
    """A table cell: dates as dates, rates and money with sensible decimals, blanks for NaN."""
    if value is None:
        return ""
    if isinstance(value, pd.Timestamp):
        value = value.to_pydatetime()
    if isinstance(value, dt.datetime):
        if timezone.is_aware(value):
            value = timezone.localtime(value)
        day = f"{value.day} {value:%b %Y}"  # the house style, "2 Feb 2026" (as Django's "j M Y")
        return day if (value.hour, value.minute) == (0, 0) else f"{day} {value:%H:%M}"
    if isinstance(value, dt.date):
        return f"{value.day} {value:%b %Y}"
    if isinstance(value, float):
        if math.isnan(value):
            return ""
        return f"{value:,.4f}" if abs(value) < 1 else f"{value:,.2f}"
    if isinstance(value, Decimal):
        return f"{value:,.2f}"
    if isinstance(value, int) and not isinstance(value, bool):
        return f"{value:,}"
    return value


@register.filter
def day(value) -> str:
    """An ISO date or timestamp string (as stored in the model's metrics) in the house style."""
    try:
        return cell(dt.date.fromisoformat(str(value)[:10]))
    except ValueError:
        return ""


@register.filter
def money(value) -> str:
    """Money with its currency, as everywhere else ("USD 1,234.50")."""
    return format_money(value)


@register.filter
def heading(name: str) -> str:
    return str(name).replace("_", " ").capitalize()


@register.filter
def percent(value, digits: int = 1):
    if value is None:
        return "–"
    return f"{value * 100:.{int(digits)}f}%"


@register.filter
def hours(value):
    if value is None:
        return "–"
    return f"{value:.1f} h"

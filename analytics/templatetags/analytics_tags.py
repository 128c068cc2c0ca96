from __future__ import annotations

import datetime as dt
import math
from decimal import Decimal

import pandas as pd
from django import template
from django.utils import timezone

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
        return value.strftime("%Y-%m-%d") if (value.hour, value.minute) == (0, 0) else value.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, dt.date):
        return value.isoformat()
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

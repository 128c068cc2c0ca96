"""Money: revenue (payments received net of refunds, by the payments app's definitions), what
medical aids cover against what patients pay, and the balances still due."""

from __future__ import annotations

import pandas as pd
from django.db.models import Count, Q, QuerySet, Sum

from analytics.filters import Filters
from analytics.queries.base import (
    S,
    appointments,
    frame,
    modality_q,
)
from analytics.sql import local_period
from portal.booking.models import Appointment
from portal.payments import selectors as payment_selectors
from portal.payments.models import Payment

# Revenue: money received net of refunds, as the payments app defines it.
NET = Sum(payment_selectors.NET_RECEIVED)


# --- Revenue ------------------------------------------------------------------------------------


def _money_in(filters: Filters) -> QuerySet:
    q = Q(paid_at__gte=filters.start_at, paid_at__lt=filters.end_before)
    return payment_selectors.payments_received().filter(q, modality_q(filters, "appointment__"))



def revenue_by_period(filters: Filters) -> pd.DataFrame:
    rows = (
        _money_in(filters).annotate(period=local_period("paid_at", filters.period)).values("period")
        .annotate(net=NET, payments=Count("id")).order_by("period").values_list("period", "net", "payments")
    )
    df = frame(rows, ["period", "net", "payments"])
    df["period"] = pd.to_datetime(df["period"])
    df["net"] = df["net"].astype(float)
    return df


def revenue_by_scan_type(filters: Filters) -> pd.DataFrame:
    rows = (
        _money_in(filters).values("appointment__scan_type__name").annotate(net=NET, payments=Count("id"))
        .order_by("-net").values_list("appointment__scan_type__name", "net", "payments")
    )
    df = frame(rows, ["scan_type", "net", "payments"])
    df["net"] = df["net"].astype(float)
    return df


def revenue_by_method(filters: Filters) -> pd.DataFrame:
    rows = (
        _money_in(filters).values("method").annotate(net=NET, payments=Count("id")).order_by("-net")
        .values_list("method", "net", "payments")
    )
    df = frame(rows, ["method", "net", "payments"])
    df["label"] = [Payment.Method(value).label for value in df["method"]]
    df["net"] = df["net"].astype(float)
    return df


def cover_split_by_period(filters: Filters) -> pd.DataFrame:
    """What medical aids cover against what patients pay, for completed appointments."""
    rows = (
        Appointment.objects.filter(appointments(filters), status=S.COMPLETED)
        .annotate(period=local_period("start", filters.period)).values("period")
        .annotate(medical_aid=Sum("covered_amount"), patient=Sum("patient_amount"), appointments=Count("id"))
        .order_by("period").values_list("period", "medical_aid", "patient", "appointments")
    )
    df = frame(rows, ["period", "medical_aid", "patient", "appointments"])
    df["period"] = pd.to_datetime(df["period"])
    for column in ("medical_aid", "patient"):
        df[column] = df[column].astype(float)
    return df


def outstanding_by_period(filters: Filters) -> pd.DataFrame:
    """Completed appointments that still have a balance due, per period of the visit: the payments
    app's balance (the patient's share with any claim shortfall, less patient payments net of refunds)."""
    rows = (
        payment_selectors.with_balance_due(Appointment.objects.filter(appointments(filters), status=S.COMPLETED))
        .filter(balance_due__gt=0)
        .annotate(period=local_period("start", filters.period)).values("period")
        .annotate(appointments=Count("id"), outstanding=Sum("balance_due"))
        .order_by("period").values_list("period", "appointments", "outstanding")
    )
    df = frame(rows, ["period", "appointments", "outstanding"])
    df["period"] = pd.to_datetime(df["period"])
    df["outstanding"] = df["outstanding"].astype(float)
    return df

"""Reads of payments, always scoped to the user asking (another user's things raise Http404),
the balance of an appointment (and in SQL, `with_balance_due`), and what counts as money received."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db.models import (
    Case,
    Count,
    DecimalField,
    ExpressionWrapper,
    F,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce, Greatest
from django.http import Http404

from portal.accounts.permissions import can
from portal.booking.models import Appointment
from portal.catalogue.pricing import money
from portal.core import clock
from portal.payments.models import MedicalAidClaim, Payment, Refund

ZERO = Decimal("0.00")
# Payments that brought money in (a refund reduces them through `refunded_amount`).
RECEIVED_STATUSES = (Payment.Status.PAID, Payment.Status.PARTIALLY_REFUNDED, Payment.Status.REFUNDED)
# Methods by which the patient (not the medical aid) pays.
PATIENT_METHODS = (
    Payment.Method.CARD_ONLINE,
    Payment.Method.PAYNOW,
    Payment.Method.MOBILE_MONEY,
    Payment.Method.CARD_AT_PRACTICE,
    Payment.Method.CASH,
    Payment.Method.EFT,
)
DESK_METHODS = (Payment.Method.CARD_AT_PRACTICE, Payment.Method.CASH, Payment.Method.EFT)

_MONEY = DecimalField(max_digits=12, decimal_places=2)
_NET = ExpressionWrapper(F("amount") - F("refunded_amount"), output_field=_MONEY)
# What counts as revenue: money received net of its refunds (shared with analytics).
NET_RECEIVED = _NET


def payments_received() -> QuerySet[Payment]:
    """Payments that brought money in; sum NET_RECEIVED over them for revenue net of refunds."""
    return Payment.objects.filter(status__in=RECEIVED_STATUSES)


# Online methods through Paynow (Zimbabwe): its web checkout and the mobile-money express flow.
PAYNOW_METHODS = (Payment.Method.PAYNOW, Payment.Method.MOBILE_MONEY)


def stripe_enabled() -> bool:
    """Online payment is offered only when Stripe is configured."""
    return bool(settings.STRIPE_SECRET_KEY)


def paynow_enabled() -> bool:
    """Paynow (EcoCash, OneMoney, Zimbabwean cards) is offered only when its integration is configured."""
    return bool(settings.PAYNOW_INTEGRATION_ID and settings.PAYNOW_INTEGRATION_KEY)


# --- Scoped reads ----------------------------------------------------------------------


def appointment_get_for(*, user: Any, pk: int) -> Appointment:
    """The appointment, if `user` may see its payments (its patient, or payment staff); else 404."""
    appointment = Appointment.objects.select_related("scan_type", "patient", "plan__scheme").filter(pk=pk).first()
    if appointment is None or not can(user, "payments.view", appointment):
        raise Http404("No such appointment.")
    return appointment


def payment_get_for(*, user: Any, pk: int) -> Payment:
    payment = (
        Payment.objects.select_related("appointment__scan_type", "appointment__patient", "recorded_by")
        .filter(pk=pk)
        .first()
    )
    if payment is None or not can(user, "payments.view", payment.appointment):
        raise Http404("No such payment.")
    return payment


def payments_of(appointment: Appointment) -> QuerySet[Payment]:
    return appointment.payments.select_related("refund").order_by("created_at")


def payment_list_for(*, user: Any, limit: int = 200) -> QuerySet[Payment]:
    """The user's own payments, or every payment for payment staff (newest first)."""
    qs = Payment.objects.select_related("appointment__scan_type", "appointment__patient").order_by("-created_at")
    if can(user, "payments.record"):
        return qs[:limit]
    return qs.filter(appointment__patient=user)[:limit]


def receipt_number(payment: Payment) -> str:
    """The number printed on a payment's receipt: R-000123."""
    return f"R-{payment.pk:06d}"


# "R-000123", "r000123", "R 123": a receipt number as staff type it from the paper.
RECEIPT_NUMBER = re.compile(r"r[-\s]?0*(\d{1,9})", re.IGNORECASE)
MAX_DESK_QUERY = 100


def _practice_day(day: dt.date) -> tuple[dt.datetime, dt.datetime]:
    """The practice's day (settings.TIME_ZONE, Africa/Harare) as [start, end) instants."""
    tz = clock.practice_tz()
    return (dt.datetime.combine(day, dt.time.min, tzinfo=tz),
            dt.datetime.combine(day + dt.timedelta(days=1), dt.time.min, tzinfo=tz))


def payment_desk_list(*, user: Any, day: dt.date, query: str = "") -> QuerySet[Payment]:
    """The payments desk's list: the chosen day's payments (received that day, or started that day and
    not received), newest first; with a search, every day's payments whose patient name or email,
    reference or receipt number matches. Payment staff only (anyone else gets none)."""
    qs = Payment.objects.select_related("appointment__scan_type", "appointment__patient").order_by(
        F("paid_at").desc(nulls_last=True), "-created_at", "-pk")
    if not can(user, "payments.record"):
        return qs.none()
    query = " ".join(query.split())[:MAX_DESK_QUERY]
    if not query:
        start, end = _practice_day(day)
        return qs.filter(Q(paid_at__gte=start, paid_at__lt=end)
                         | Q(paid_at__isnull=True, created_at__gte=start, created_at__lt=end))
    match = Q(reference__icontains=query) | Q(provider_payment_id__iexact=query)
    receipt = RECEIPT_NUMBER.fullmatch(query)
    if receipt or query.isdigit():
        # A receipt number (R-000123, r123, 123): that payment, or a slip reference with those digits.
        return qs.filter(match | Q(pk=int(receipt.group(1) if receipt else query)))
    match |= Q(appointment__patient__email__icontains=query)
    name = Q()
    for word in query.split():  # every word in the first or the last name: "rutendo chari"
        name &= Q(appointment__patient__first_name__icontains=word) | Q(appointment__patient__last_name__icontains=word)
    return qs.filter(match | name)


@dataclass(frozen=True)
class MethodTotal:
    method: str
    label: str
    payments: int
    received: Decimal
    refunded: Decimal

    @property
    def net(self) -> Decimal:
        return self.received - self.refunded


@dataclass(frozen=True)
class DayTotals:
    """The desk's cash-up for one day: money received that day, money given back that day."""

    day: dt.date
    by_method: tuple[MethodTotal, ...]

    @property
    def payments(self) -> int:
        return sum(row.payments for row in self.by_method)

    @property
    def received(self) -> Decimal:
        return money(sum((row.received for row in self.by_method), ZERO))

    @property
    def refunded(self) -> Decimal:
        return money(sum((row.refunded for row in self.by_method), ZERO))

    @property
    def net(self) -> Decimal:
        return self.received - self.refunded


def payment_day_totals(*, user: Any, day: dt.date) -> DayTotals:
    """Received (payments received that day, by payment time) and refunded (refunds given back that day,
    by refund time) per method, in the practice's time zone; two GROUP BY queries. Payment staff only."""
    if not can(user, "payments.record"):
        return DayTotals(day=day, by_method=())
    start, end = _practice_day(day)
    received = {
        row["method"]: row
        for row in payments_received().filter(paid_at__gte=start, paid_at__lt=end)
        .values("method").annotate(n=Count("id"), total=Sum("amount")).order_by()
    }
    refunded = {
        row["method"]: row["total"]
        for row in Payment.objects.filter(refunded_at__gte=start, refunded_at__lt=end, refunded_amount__gt=0)
        .values("method").annotate(total=Sum("refunded_amount")).order_by()
    }
    labels = dict(Payment.Method.choices)
    rows = tuple(
        MethodTotal(method=method, label=str(labels.get(method, method)),
                    payments=int(received.get(method, {}).get("n") or 0),
                    received=money(received.get(method, {}).get("total") or ZERO),
                    refunded=money(refunded.get(method) or ZERO))
        for method in labels if method in received or method in refunded
    )
    return DayTotals(day=day, by_method=rows)


def refunds_awaiting_staff() -> QuerySet[Refund]:
    return Refund.objects.filter(status=Refund.Status.AWAITING_STAFF).select_related(
        "payment__appointment__patient", "payment__appointment__scan_type"
    )


def claims_submitted() -> QuerySet[MedicalAidClaim]:
    return MedicalAidClaim.objects.filter(status=MedicalAidClaim.Status.SUBMITTED).select_related(
        "appointment__patient", "appointment__plan__scheme", "appointment__scan_type"
    )


def claim_of(appointment: Appointment) -> MedicalAidClaim | None:
    return MedicalAidClaim.objects.filter(appointment=appointment).first()


# --- The balance -----------------------------------------------------------------------


@dataclass(frozen=True)
class Balance:
    patient_share: Decimal  # as booked, plus what a medical-aid claim moved to the patient
    claim_shortfall: Decimal
    paid: Decimal  # patient payments received
    refunded: Decimal
    due: Decimal  # what the patient still owes: never negative

    @property
    def net_paid(self) -> Decimal:
        return self.paid - self.refunded


def balances_due_for(*, user: Any) -> list[tuple[Appointment, Balance]]:
    """The user's own active appointments that still have something to pay, soonest first (2 queries)."""
    # Only what the balance and the lists show (issue 22): the scan, its time, status and share, and
    # the claim's outcome (joined: one query fewer than reading the claims apart).
    appointments = list(
        Appointment.objects.active().filter(patient=user).select_related("scan_type", "medical_aid_claim")
        .only("start", "status", "patient_amount", "scan_type__name", "medical_aid_claim__appointment_id",
              "medical_aid_claim__status", "medical_aid_claim__amount_claimed", "medical_aid_claim__amount_paid")
        .order_by("start")
    )
    if not appointments:
        return []
    ids = [a.pk for a in appointments]
    paid = {
        row["appointment_id"]: row
        for row in Payment.objects.filter(appointment_id__in=ids, method__in=PATIENT_METHODS,
                                          status__in=RECEIVED_STATUSES)
        .values("appointment_id").annotate(paid=Sum("amount"), refunded=Sum("refunded_amount"))
    }
    result = []
    for appointment in appointments:
        row = paid.get(appointment.pk, {})
        claim = getattr(appointment, "medical_aid_claim", None)  # None: no claim (select_related cached that)
        balance = _balance(appointment, claim, row.get("paid") or ZERO, row.get("refunded") or ZERO)
        if balance.due > 0:
            result.append((appointment, balance))
    return result


def appointment_balance(appointment: Appointment) -> Balance:
    """Patient share minus what the patient paid net of refunds, never below zero.

    A cancelled or missed (no-show) appointment owes nothing: no scan was done (a refund within the
    policy gives money back)."""
    totals = Payment.objects.filter(
        appointment=appointment, method__in=PATIENT_METHODS, status__in=RECEIVED_STATUSES
    ).aggregate(
        paid=Coalesce(Sum("amount"), Value(ZERO), output_field=_MONEY),
        refunded=Coalesce(Sum("refunded_amount"), Value(ZERO), output_field=_MONEY),
    )
    return _balance(appointment, claim_of(appointment), totals["paid"], totals["refunded"])


def _balance(appointment: Appointment, claim: MedicalAidClaim | None, paid: Decimal, refunded: Decimal) -> Balance:
    shortfall = claim.patient_shortfall if claim else ZERO
    share = money(appointment.patient_amount + shortfall)
    paid, refunded = money(paid), money(refunded)
    owed = ZERO if appointment.status in (Appointment.Status.CANCELLED, Appointment.Status.NO_SHOW) else share
    due = max(money(owed - (paid - refunded)), ZERO)
    return Balance(patient_share=share, claim_shortfall=money(shortfall), paid=paid, refunded=refunded, due=due)


def with_balance_due(appointments: QuerySet[Appointment]) -> QuerySet[Appointment]:
    """`appointments` annotated with `balance_due`, in SQL, by `appointment_balance`'s rule: the
    patient's share (plus a claim's shortfall) less patient payments received net of refunds, never
    below zero, and nothing for a cancelled or missed appointment. For figures over many
    appointments (analytics' outstanding balances); `appointment_balance` is the one-appointment read."""
    paid = (
        Payment.objects.filter(appointment=OuterRef("pk"), method__in=PATIENT_METHODS, status__in=RECEIVED_STATUSES)
        .order_by().values("appointment").annotate(total=Sum(NET_RECEIVED)).values("total")
    )
    # MedicalAidClaim.patient_shortfall in SQL: all of a rejected claim, the unpaid part of a paid one.
    claim = "medical_aid_claim__"
    shortfall = Case(
        When(**{f"{claim}status": MedicalAidClaim.Status.REJECTED}, then=F(f"{claim}amount_claimed")),
        When(**{f"{claim}status": MedicalAidClaim.Status.PAID},
             then=Greatest(F(f"{claim}amount_claimed") - F(f"{claim}amount_paid"), Value(ZERO), output_field=_MONEY)),
        default=Value(ZERO), output_field=_MONEY,
    )
    share = ExpressionWrapper(F("patient_amount") + shortfall, output_field=_MONEY)
    owed = Case(
        When(status__in=(Appointment.Status.CANCELLED, Appointment.Status.NO_SHOW), then=Value(ZERO)),
        default=share, output_field=_MONEY,
    )
    net_paid = Coalesce(Subquery(paid, output_field=_MONEY), Value(ZERO), output_field=_MONEY)
    return appointments.annotate(
        balance_due=Greatest(ExpressionWrapper(owed - net_paid, output_field=_MONEY), Value(ZERO),
                             output_field=_MONEY)
    )

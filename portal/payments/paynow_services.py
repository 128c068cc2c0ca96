"""Writes of Paynow payments: start (web checkout or mobile-money express), the verified status
messages (result-URL callback and polling) and the give-up of stale requests.

A payment becomes paid only on a status message whose hash, reference, poll URL and amount match:
never on the patient's return to the site. The payment row is locked while a message is applied, so a
repeated or concurrent callback has one effect. Paynow is never called inside a transaction that
holds a row lock.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Mapping
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from portal.accounts.models import User
from portal.booking.models import Appointment
from portal.payments import paynow
from portal.payments.models import Payment, PaymentHold
from portal.payments.selectors import PAYNOW_METHODS, RECEIVED_STATUSES, appointment_balance, paynow_enabled
from portal.payments.services import _hold_start, _lock_appointment, _paid, queue_cancellation_refunds

logger = logging.getLogger(__name__)

REFERENCE_PREFIX = "RP-"


def reference_of(payment: Payment) -> str:
    """Our reference for a payment at Paynow (shown to the patient in Paynow's pages and SMS)."""
    return f"{REFERENCE_PREFIX}{payment.pk:06d}"


def _payment_for_reference(reference: str) -> Payment | None:
    number = reference.removeprefix(REFERENCE_PREFIX)
    if not reference.startswith(REFERENCE_PREFIX) or not number.isdigit():
        return None
    return Payment.objects.select_for_update().filter(pk=int(number), method__in=PAYNOW_METHODS).first()


@dataclass(frozen=True)
class PaynowStarted:
    payment: Payment
    redirect_url: str = ""
    instructions: str = ""


def _give_up_stale_requests(appointment: Appointment, now: dt.datetime) -> None:
    """Ask Paynow once about this appointment's older pending requests, and give them up if unpaid."""
    stale = Payment.objects.filter(appointment=appointment, method__in=PAYNOW_METHODS, status=Payment.Status.PENDING,
                                   created_at__lte=now - dt.timedelta(minutes=settings.PAYNOW_PENDING_MINUTES))
    for payment in stale:
        paynow_refresh(payment=payment, give_up=True)


def _refuse_if_waiting(appointment: Appointment) -> None:
    """One Paynow request at a time per appointment, so the patient cannot pay twice."""
    if Payment.objects.filter(appointment=appointment, method__in=PAYNOW_METHODS,
                              status=Payment.Status.PENDING).exists():
        raise ValidationError(
            "A Paynow payment for this appointment is still waiting: approve it on your phone or in Paynow, "
            f"or try again after {settings.PAYNOW_PENDING_MINUTES} minutes.")


def paynow_start(*, appointment: Appointment, by: User, method: str, phone: str = "", return_url: str,
                 result_url: str, hold: bool = False) -> PaynowStarted:
    """Start a Paynow payment of the balance due. `method` is "web" (Paynow's checkout page) or a
    mobile-money method ("ecocash", "onemoney") with the patient's `phone` in local form (077...)."""
    if not paynow_enabled():
        raise ValidationError("Paynow is not available: please pay at the practice.")
    if method != "web" and method not in paynow.MOBILE_METHODS:
        raise ValidationError({"method": "Choose EcoCash, OneMoney or Paynow's checkout page."})
    now = timezone.now()
    _give_up_stale_requests(appointment, now)  # polls Paynow: before any row lock
    with transaction.atomic():
        locked = _lock_appointment(appointment)
        if not locked.holds_slot:
            raise ValidationError("This appointment cannot be paid online.")
        _refuse_if_waiting(locked)
        due = appointment_balance(locked).due
        if due <= 0:
            raise ValidationError("Nothing is due for this appointment.")
        payment = Payment(appointment=locked, amount=due, currency=settings.CURRENCY,
                          method=Payment.Method.PAYNOW if method == "web" else Payment.Method.MOBILE_MONEY,
                          status=Payment.Status.PENDING, recorded_by=by)
        payment.full_clean()
        payment.save()
        if hold:
            _hold_start(appointment=locked, payment=payment, now=now)
    title = f"{locked.scan_type.name}, {timezone.localtime(locked.start):%d %b %Y %H:%M}"
    email = settings.PAYNOW_AUTH_EMAIL or locked.patient.email
    common = {"reference": reference_of(payment), "email": email, "title": title, "amount": payment.amount,
              "return_url": return_url.replace("{PAYMENT_ID}", str(payment.pk)), "result_url": result_url}
    try:
        if method == "web":
            started = paynow.start_web(**common)
        else:
            started = paynow.start_mobile(**common, phone=phone, method=method)
    except paynow.PaynowError as error:
        logger.warning("Paynow refused or failed to start payment %s: %s", payment.pk, error.__class__.__name__)
        with transaction.atomic():
            Payment.objects.filter(pk=payment.pk, status=Payment.Status.PENDING).update(
                status=Payment.Status.FAILED, updated_at=timezone.now())
            PaymentHold.objects.filter(payment=payment, status=PaymentHold.Status.HELD).delete()
        raise ValidationError("Paynow could not start the payment just now. Check the number and try again, "  # noqa: B904
                              "or pay at the practice.")
    with transaction.atomic():
        Payment.objects.filter(pk=payment.pk).update(provider_poll_url=started.poll_url,
                                                     checkout_url=started.redirect_url)
    payment.refresh_from_db()
    return PaynowStarted(payment=payment, redirect_url=started.redirect_url, instructions=started.instructions)


def _apply(payment: Payment, status: paynow.Status, *, source: str) -> str:
    """Bring a locked Paynow payment in line with a verified status message. Returns what happened."""
    if payment.provider_poll_url and status.poll_url and status.poll_url != payment.provider_poll_url:
        logger.warning("Paynow %s for payment %s names another poll URL; ignored", source, payment.pk)
        return "poll_url_mismatch"
    if status.failed:
        if payment.status == Payment.Status.PENDING:
            payment.status = Payment.Status.FAILED
            payment.save(update_fields=["status", "updated_at"])
            return "failed"
        return "unchanged"
    if not status.paid:
        return "awaiting_payment"
    if payment.status in RECEIVED_STATUSES:
        return "already_paid"
    if status.amount != payment.amount:
        logger.warning("Paynow %s amount does not match payment %s; not marked paid", source, payment.pk)
        return "amount_mismatch"
    # Paid, even if we had given the request up: the money arrived, so it is recorded (and refunded
    # by the cancellation policy if the slot was freed meanwhile).
    payment.status = Payment.Status.PAID
    payment.paid_at = timezone.now()
    payment.provider_payment_id = status.paynow_reference[:255]
    payment.full_clean()
    payment.save()
    PaymentHold.objects.filter(payment=payment, status=PaymentHold.Status.HELD).update(
        status=PaymentHold.Status.PAID, updated_at=timezone.now())
    _paid(payment)
    if payment.appointment.status == Appointment.Status.CANCELLED:
        transaction.on_commit(lambda: queue_cancellation_refunds(appointment_id=payment.appointment_id))
    return "paid"


def paynow_result_received(*, values: Mapping[str, str]) -> str:
    """Paynow's result-URL callback. Raises ValidationError on a bad hash or an unknown reference
    (nothing changes); otherwise applies the message once and returns the outcome."""
    try:
        status = paynow.verified_status(values)
    except paynow.PaynowError as error:
        raise ValidationError(str(error)) from error
    with transaction.atomic():
        payment = _payment_for_reference(status.reference)
        if payment is None:
            raise ValidationError("No payment has that reference.")
        return _apply(payment, status, source="callback")


def paynow_refresh(*, payment: Payment, give_up: bool = False) -> Payment:
    """Ask Paynow about a pending payment (the return page, the periodic task). With `give_up`, a
    request that is still not paid is marked failed (the patient may start another)."""
    if payment.method not in PAYNOW_METHODS or payment.status != Payment.Status.PENDING:
        return payment
    status = None
    if payment.provider_poll_url and paynow_enabled():
        try:
            status = paynow.poll(payment.provider_poll_url)
        except paynow.PaynowError as error:
            logger.warning("Could not poll Paynow for payment %s: %s", payment.pk, error)
    with transaction.atomic():
        locked = Payment.objects.select_for_update().select_related("appointment").get(pk=payment.pk)
        if status is not None and status.reference == reference_of(locked):
            _apply(locked, status, source="poll")
        if give_up and locked.status == Payment.Status.PENDING:
            locked.status = Payment.Status.FAILED
            locked.save(update_fields=["status", "updated_at"])
    payment.refresh_from_db()
    return payment


def paynow_poll_pending(*, now: dt.datetime | None = None) -> int:
    """The periodic task: poll pending Paynow payments (the callback may never come) and give up those
    older than PAYNOW_PENDING_MINUTES. Returns how many were asked about. Safe to run twice."""
    now = now or timezone.now()
    stale_before = now - dt.timedelta(minutes=settings.PAYNOW_PENDING_MINUTES)
    asked = 0
    pending = Payment.objects.filter(method__in=PAYNOW_METHODS, status=Payment.Status.PENDING,
                                     created_at__gte=now - dt.timedelta(days=2))
    for payment in pending.order_by("created_at"):
        paynow_refresh(payment=payment, give_up=payment.created_at <= stale_before)
        asked += 1
    return asked

"""Writes of payments: desk payments, medical-aid claims, Stripe Checkout and its webhook, refunds.

Every function is keyword-only, runs in a transaction and calls full_clean before saving. Stripe is
called through `gateway` and never inside a transaction that holds a row lock.
"""

from __future__ import annotations

import datetime as dt
import logging
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from portal.accounts.models import User
from portal.booking.models import Appointment
from portal.catalogue.pricing import money
from portal.core import signals
from portal.core.locks import lock_wait
from portal.payments import gateway
from portal.payments.models import MedicalAidClaim, Payment, PaymentHold, Refund, StripeEvent
from portal.payments.selectors import DESK_METHODS, PATIENT_METHODS, RECEIVED_STATUSES, appointment_balance

logger = logging.getLogger(__name__)

CHECKOUT_EVENTS_PAID = {"checkout.session.completed", "checkout.session.async_payment_succeeded"}
CHECKOUT_EVENTS_FAILED = {"checkout.session.expired", "checkout.session.async_payment_failed"}


def _lock_appointment(appointment: Appointment) -> Appointment:
    with lock_wait():
        return Appointment.objects.select_for_update().get(pk=appointment.pk)


def _check_amount(amount: Decimal | None, *, due: Decimal, limit: str = "the balance due") -> Decimal:
    if amount is None:
        raise ValidationError({"amount": "Enter an amount."})
    amount = money(amount)
    if amount <= 0:
        raise ValidationError({"amount": "The amount must be more than zero."})
    if amount > due:
        raise ValidationError({"amount": f"The amount cannot be more than {limit} ({settings.CURRENCY} {due})."})
    return amount


def _paid(payment: Payment) -> None:
    signals.send_on_commit(signals.payment_received, sender=Payment, payment=payment)


# --- Desk payments -----------------------------------------------------------------------


@transaction.atomic
def payment_record_desk(*, appointment: Appointment, method: str, amount: Decimal, reference: str = "",
                        by: User) -> Payment:
    """Staff record money taken at the practice (cash, card, EFT): at most the balance due."""
    if method not in DESK_METHODS:
        raise ValidationError({"method": "Choose cash, card at the practice or EFT."})
    appointment = _lock_appointment(appointment)
    if appointment.status == Appointment.Status.CANCELLED:
        raise ValidationError("This appointment is cancelled: there is nothing to pay.")
    amount = _check_amount(amount, due=appointment_balance(appointment).due)
    payment = Payment(
        appointment=appointment, amount=amount, currency=settings.CURRENCY, method=method,
        status=Payment.Status.PAID, paid_at=timezone.now(), reference=(reference or "").strip()[:100],
        recorded_by=by,
    )
    payment.full_clean()
    payment.save()
    _paid(payment)
    return payment


# --- Medical-aid claims ------------------------------------------------------------------


@transaction.atomic
def claim_submit(*, appointment: Appointment, amount: Decimal, reference: str = "", by: User) -> MedicalAidClaim:
    """Record that the practice claimed `amount` (at most the aid's share as booked) from the aid."""
    appointment = _lock_appointment(appointment)
    if appointment.plan_id is None or appointment.covered_amount <= 0:
        raise ValidationError("This appointment has no medical-aid cover to claim.")
    if MedicalAidClaim.objects.filter(appointment=appointment).exists():
        raise ValidationError("A claim has already been recorded for this appointment.")
    amount = _check_amount(amount, due=money(appointment.covered_amount), limit="the medical aid's share as booked")
    claim = MedicalAidClaim(appointment=appointment, amount_claimed=amount, reference=(reference or "").strip(),
                            submitted_at=timezone.now(), recorded_by=by)
    claim.full_clean()
    claim.save()
    return claim


@transaction.atomic
def claim_record_paid(*, claim: MedicalAidClaim, amount: Decimal, reference: str = "", by: User) -> MedicalAidClaim:
    """The aid paid `amount` (at most what was claimed); any difference moves to the patient."""
    claim = MedicalAidClaim.objects.select_for_update().get(pk=claim.pk)
    if claim.status != MedicalAidClaim.Status.SUBMITTED:
        raise ValidationError(f"This claim is already {claim.get_status_display().lower()}.")
    amount = _check_amount(amount, due=claim.amount_claimed, limit="the amount claimed")
    now = timezone.now()
    payment = Payment(
        appointment=claim.appointment, amount=amount, currency=settings.CURRENCY,
        method=Payment.Method.MEDICAL_AID_CLAIM, status=Payment.Status.PAID, paid_at=now,
        reference=(reference or claim.reference).strip()[:100], recorded_by=by,
    )
    payment.full_clean()
    payment.save()
    claim.status = MedicalAidClaim.Status.PAID
    claim.amount_paid = amount
    claim.decided_at = now
    claim.payment = payment
    claim.recorded_by = by
    claim.full_clean()
    claim.save()
    _paid(payment)
    return claim


@transaction.atomic
def claim_record_rejected(*, claim: MedicalAidClaim, reason: str, by: User) -> MedicalAidClaim:
    """The aid refused the claim: the whole amount claimed moves to the patient's balance."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": "Give the reason the medical aid gave."})
    claim = MedicalAidClaim.objects.select_for_update().get(pk=claim.pk)
    if claim.status != MedicalAidClaim.Status.SUBMITTED:
        raise ValidationError(f"This claim is already {claim.get_status_display().lower()}.")
    claim.status = MedicalAidClaim.Status.REJECTED
    claim.rejection_reason = reason[:300]
    claim.decided_at = timezone.now()
    claim.recorded_by = by
    claim.full_clean()
    claim.save()
    return claim


# --- Stripe Checkout ---------------------------------------------------------------------


# Stripe keeps a Checkout Session open at least 30 minutes; ours live that long.
CHECKOUT_SESSION_MINUTES = 30


def checkout_start(*, appointment: Appointment, by: User, success_url: str, cancel_url: str,
                   hold: bool = False) -> str:
    """Create a pending online payment for the balance and its Checkout Session; return its URL.

    `success_url` may contain Stripe's `{CHECKOUT_SESSION_ID}` placeholder. The payment becomes
    paid only through the webhook (or a check with Stripe), never through the redirect. A second
    click while a session for the same amount is open returns that session; an older session for
    another amount is expired at Stripe so that it cannot be paid as well. With `hold`, a just-booked
    (requested) appointment is kept PAYMENTS_HOLD_MINUTES for the payment and freed if it does not come.
    """
    if not settings.STRIPE_SECRET_KEY:
        raise ValidationError("Online payment is not available: please pay at the practice.")
    now = timezone.now()
    with transaction.atomic():
        locked = _lock_appointment(appointment)
        if not locked.holds_slot:
            raise ValidationError("This appointment cannot be paid online.")
        due = appointment_balance(locked).due
        if due <= 0:
            raise ValidationError("Nothing is due for this appointment.")
        pending = Payment.objects.filter(appointment=locked, method=Payment.Method.CARD_ONLINE,
                                         status=Payment.Status.PENDING)
        reusable = (pending.filter(amount=due, checkout_expires_at__gt=now + dt.timedelta(minutes=5))
                    .exclude(checkout_url="").order_by("-created_at").first())
        if reusable is not None:
            return reusable.checkout_url
        superseded = list(pending.exclude(provider_session_id="").values_list("pk", "provider_session_id"))
        payment = Payment(appointment=locked, amount=due, currency=settings.CURRENCY,
                          method=Payment.Method.CARD_ONLINE, status=Payment.Status.PENDING, recorded_by=by)
        payment.full_clean()
        payment.save()
        if hold:
            _hold_start(appointment=locked, payment=payment, now=now)
    metadata = {"payment_id": str(payment.pk), "appointment_id": str(locked.pk)}
    local_start = timezone.localtime(locked.start)
    expires_at = now + dt.timedelta(minutes=max(CHECKOUT_SESSION_MINUTES, settings.PAYMENTS_HOLD_MINUTES if hold
                                                else 0) + 1)
    params = {
        "mode": "payment",
        "line_items": [{
            "quantity": 1,
            "price_data": {
                "currency": payment.currency.lower(),
                "unit_amount": gateway.to_minor_units(payment.amount),
                "product_data": {"name": f"{locked.scan_type.name}, {local_start:%d %b %Y %H:%M}"},
            },
        }],
        "client_reference_id": str(payment.pk),
        "metadata": metadata,
        "payment_intent_data": {"metadata": metadata},
        "expires_at": int(expires_at.timestamp()),
        "success_url": success_url,
        "cancel_url": cancel_url,
    }
    try:
        session = gateway.checkout_session_create(params=params, idempotency_key=f"checkout-payment-{payment.pk}")
    except Exception:
        logger.exception("Stripe checkout session failed for payment %s", payment.pk)
        with transaction.atomic():
            Payment.objects.filter(pk=payment.pk, status=Payment.Status.PENDING).update(status=Payment.Status.FAILED)
            PaymentHold.objects.filter(payment=payment, status=PaymentHold.Status.HELD).delete()
        raise ValidationError("Online payment is not available just now. Please try again, or pay at the practice.")  # noqa: B904
    with transaction.atomic():
        Payment.objects.filter(pk=payment.pk).update(provider_session_id=session["id"],
                                                     checkout_url=session.get("url") or "",
                                                     checkout_expires_at=expires_at)
    for payment_id, session_id in superseded:
        _expire_session(payment_id=payment_id, session_id=session_id)
    return session["url"]


def _expire_session(*, payment_id: int, session_id: str) -> None:
    """Close an open Checkout Session at Stripe (best effort) and fail its pending payment."""
    try:
        gateway.checkout_session_expire(session_id)
    except Exception:  # already completed or expired, or Stripe unreachable: the webhook tells the truth
        logger.info("Could not expire the Stripe session of payment %s", payment_id, exc_info=True)
        return
    with transaction.atomic():
        Payment.objects.filter(pk=payment_id, status=Payment.Status.PENDING).update(status=Payment.Status.FAILED)


# --- Holds: a just-booked slot kept while the patient pays online -------------------------


def _hold_start(*, appointment: Appointment, payment: Payment, now: dt.datetime) -> PaymentHold | None:
    """Hold a just-booked appointment for its payment (in the caller's transaction)."""
    minutes = settings.PAYMENTS_HOLD_MINUTES
    if minutes <= 0 or appointment.status != Appointment.Status.REQUESTED:
        return None
    if PaymentHold.objects.filter(appointment=appointment).exists():
        return None  # held once; a later attempt pays without holding
    hold = PaymentHold(appointment=appointment, payment=payment, expires_at=now + dt.timedelta(minutes=minutes))
    hold.full_clean()
    hold.save()
    return hold


def holds_release_expired(*, now: dt.datetime | None = None) -> int:
    """Free the slots of holds whose payment did not arrive in time (the periodic task). Returns how
    many appointments were cancelled. Safe to run again and alongside the webhook."""
    from portal.booking.services import appointment_cancel

    now = now or timezone.now()
    released = 0
    expired = PaymentHold.objects.filter(status=PaymentHold.Status.HELD, expires_at__lte=now)
    for hold_id, payment_id in expired.values_list("pk", "payment_id"):
        with transaction.atomic():
            # The payment first, as the webhook does, so the two never wait on each other in a circle.
            payment = Payment.objects.select_for_update().get(pk=payment_id)
            hold = PaymentHold.objects.select_for_update().select_related("appointment").get(pk=hold_id)
            if hold.status != PaymentHold.Status.HELD:
                continue
            if payment.status in RECEIVED_STATUSES:
                hold.status = PaymentHold.Status.PAID
            else:
                hold.status = PaymentHold.Status.RELEASED
                hold.released_at = now
                if hold.appointment.holds_slot:
                    appointment_cancel(appointment=hold.appointment, by=None,
                                       reason="Online payment not completed in time; the slot was freed.")
                    released += 1
            hold.save(update_fields=["status", "released_at", "updated_at"])
        if hold.status == PaymentHold.Status.RELEASED and payment.status == Payment.Status.PENDING \
                and payment.provider_session_id:
            _expire_session(payment_id=payment.pk, session_id=payment.provider_session_id)
    return released


def _payment_for_session(session: dict[str, Any], *, lock: bool) -> Payment | None:
    payment_id = str((session.get("metadata") or {}).get("payment_id") or session.get("client_reference_id") or "")
    if not payment_id.isdigit() or not session.get("id"):
        return None
    qs = Payment.objects.select_for_update() if lock else Payment.objects
    return qs.filter(pk=int(payment_id), provider_session_id=session["id"],
                     method=Payment.Method.CARD_ONLINE).first()


def _apply_session(payment: Payment, session: dict[str, Any], *, paid: bool) -> str:
    """Bring a locked online payment in line with its Checkout Session. Returns what happened."""
    if not paid:
        if payment.status == Payment.Status.PENDING:
            payment.status = Payment.Status.FAILED
            payment.save(update_fields=["status", "updated_at"])
            return "failed"
        return "unchanged"
    if session.get("payment_status") != "paid":
        return "awaiting_payment"
    if payment.status in RECEIVED_STATUSES:
        return "already_paid"
    if (session.get("amount_total") != gateway.to_minor_units(payment.amount)
            or str(session.get("currency", "")).lower() != payment.currency.lower()):
        logger.warning("Stripe session amount does not match payment %s; not marked paid", payment.pk)
        return "amount_mismatch"
    payment.status = Payment.Status.PAID
    payment.paid_at = timezone.now()
    payment.provider_payment_id = str(session.get("payment_intent") or "")[:255]
    payment.full_clean()
    payment.save()
    PaymentHold.objects.filter(payment=payment, status=PaymentHold.Status.HELD).update(
        status=PaymentHold.Status.PAID, updated_at=timezone.now())
    _paid(payment)
    if payment.appointment.status == Appointment.Status.CANCELLED:
        # Paid after the cancellation: the refund policy applies to this money too.
        transaction.on_commit(lambda: queue_cancellation_refunds(appointment_id=payment.appointment_id))
    return "paid"


def webhook_process(*, event: dict[str, Any]) -> str:
    """Apply one verified Stripe event, once: its id is stored in the same transaction as its effect,
    so a repeat (even a concurrent one) finds the row and changes nothing."""
    event_id, event_type = str(event["id"]), str(event["type"])
    with transaction.atomic():
        try:
            with transaction.atomic():
                record = StripeEvent.objects.create(event_id=event_id, type=event_type[:100])
        except IntegrityError:
            return "duplicate"
        outcome = "ignored"
        if event_type in CHECKOUT_EVENTS_PAID | CHECKOUT_EVENTS_FAILED:
            session = event["data"]["object"]
            payment = _payment_for_session(session, lock=True)
            if payment is None:
                logger.info("Stripe event %s (%s) names no known checkout session", event_id, event_type)
                outcome = "unknown_session"
            else:
                outcome = _apply_session(payment, session, paid=event_type in CHECKOUT_EVENTS_PAID)
                record.payment = payment
        record.outcome = outcome
        record.save(update_fields=["payment", "outcome"])
    return outcome


def checkout_confirm_with_stripe(*, payment: Payment) -> Payment:
    """Ask Stripe for the payment's session (the success page): a paid session marks it paid, once."""
    if payment.status != Payment.Status.PENDING or not payment.provider_session_id or not settings.STRIPE_SECRET_KEY:
        return payment
    try:
        session = gateway.checkout_session_retrieve(payment.provider_session_id)
    except Exception:
        logger.warning("Could not retrieve the Stripe session of payment %s", payment.pk, exc_info=True)
        return payment
    with transaction.atomic():
        locked = _payment_for_session(session, lock=True)
        if locked is not None and locked.pk == payment.pk:
            if session.get("status") == "expired":
                _apply_session(locked, session, paid=False)
            else:
                _apply_session(locked, session, paid=True)
    payment.refresh_from_db()
    return payment


# --- Refunds -----------------------------------------------------------------------------


def refund_due_under_policy(appointment: Appointment) -> bool:
    """Cancelled at least PAYMENTS_REFUND_CUTOFF_HOURS before the start, or freed by the practice
    because an online payment did not arrive in time (a payment that came later goes back)."""
    if appointment.status != Appointment.Status.CANCELLED or appointment.cancelled_at is None:
        return False
    if PaymentHold.objects.filter(appointment=appointment, status=PaymentHold.Status.RELEASED).exists():
        return True
    cutoff = appointment.start - dt.timedelta(hours=settings.PAYMENTS_REFUND_CUTOFF_HOURS)
    return appointment.cancelled_at <= cutoff


def queue_cancellation_refunds(*, appointment_id: int) -> None:
    from portal.core.enqueue import enqueue  # the broker down: queued when it is back

    enqueue("portal.payments.tasks.refund_cancelled_appointment", appointment_id)


def refunds_for_cancellation(*, appointment_id: int) -> list[Refund]:
    """Refund the patient's payments of a cancelled appointment, if within the policy. Safe to run
    again: each payment gets at most one refund, and Stripe is asked at most once per refund."""
    appointment = Appointment.objects.get(pk=appointment_id)
    if not refund_due_under_policy(appointment):
        return []
    refunds = []
    with transaction.atomic():
        payments = Payment.objects.select_for_update().filter(
            appointment_id=appointment_id, method__in=PATIENT_METHODS, status=Payment.Status.PAID
        )
        for payment in payments:
            if Refund.objects.filter(payment=payment).exists():
                continue
            amount = money(payment.amount - payment.refunded_amount)
            if amount <= 0:
                continue
            online = payment.method == Payment.Method.CARD_ONLINE
            refund = Refund(
                payment=payment, amount=amount, reason="Appointment cancelled within the refund policy",
                status=Refund.Status.REQUESTED if online else Refund.Status.AWAITING_STAFF,
                idempotency_key=f"refund-payment-{payment.pk}",
            )
            refund.full_clean()
            refund.save()
    for refund in Refund.objects.filter(payment__appointment_id=appointment_id).select_related("payment"):
        if refund.status == Refund.Status.REQUESTED and not refund.provider_refund_id:
            refund_request_from_stripe(refund=refund)
        refunds.append(refund)
    return refunds


def refund_request_from_stripe(*, refund: Refund) -> Refund:
    """Ask Stripe to refund an online payment, with the refund's idempotency key."""
    payment = refund.payment
    if not payment.provider_payment_id:
        logger.warning("Online payment %s has no payment intent to refund", payment.pk)
        return refund
    try:
        result = gateway.refund_create(
            payment_intent=payment.provider_payment_id, amount=refund.amount,
            metadata={"payment_id": str(payment.pk), "refund_id": str(refund.pk)},
            idempotency_key=refund.idempotency_key,
        )
    except Exception:
        logger.warning("Stripe refund failed for payment %s; will retry", payment.pk, exc_info=True)
        Refund.objects.filter(pk=refund.pk).update(requested_at=timezone.now())
        raise
    with transaction.atomic():
        refund = Refund.objects.select_for_update().select_related("payment").get(pk=refund.pk)
        refund.provider_refund_id = str(result["id"])
        refund.requested_at = timezone.now()
        if result.get("status") in ("succeeded", "pending"):
            _complete_refund(refund)
        elif result.get("status") in ("failed", "canceled"):
            refund.status = Refund.Status.FAILED
        refund.full_clean()
        refund.save()
    return refund


def _complete_refund(refund: Refund) -> None:
    """Mark a locked refund done and reduce its payment."""
    payment = Payment.objects.select_for_update().get(pk=refund.payment_id)
    payment.refunded_amount = money(payment.refunded_amount + refund.amount)
    payment.refunded_at = timezone.now()
    payment.status = (Payment.Status.REFUNDED if payment.refunded_amount >= payment.amount
                      else Payment.Status.PARTIALLY_REFUNDED)
    payment.full_clean()
    payment.save()
    refund.status = Refund.Status.SUCCEEDED
    refund.completed_at = timezone.now()


@transaction.atomic
def refund_confirm(*, refund: Refund, by: User) -> Refund:
    """Staff confirm that a desk payment's money went back to the patient."""
    refund = Refund.objects.select_for_update().get(pk=refund.pk)
    if refund.status != Refund.Status.AWAITING_STAFF:
        raise ValidationError(f"This refund is already {refund.get_status_display().lower()}.")
    _complete_refund(refund)
    refund.confirmed_by = by
    refund.full_clean()
    refund.save()
    return refund

"""The only module that talks to Stripe (stripe 16 SDK). Everything here is a thin call: the
decisions are in services.py. Tests mock Stripe's HTTP API (`responses`), never the network."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import stripe
from django.conf import settings

# Network errors are retried by the SDK (with the same idempotency key).
stripe.max_network_retries = 2


def to_minor_units(amount: Decimal) -> int:
    """Stripe counts money in cents."""
    return int((amount * 100).to_integral_value())


def _options(idempotency_key: str | None = None) -> dict[str, Any]:
    options: dict[str, Any] = {"api_key": settings.STRIPE_SECRET_KEY}
    if idempotency_key:
        options["idempotency_key"] = idempotency_key
    return options


def checkout_session_create(*, params: dict[str, Any], idempotency_key: str) -> dict[str, Any]:
    return stripe.checkout.Session.create(**params, **_options(idempotency_key)).to_dict()


def checkout_session_retrieve(session_id: str) -> dict[str, Any]:
    return stripe.checkout.Session.retrieve(session_id, **_options()).to_dict()


def checkout_session_expire(session_id: str) -> dict[str, Any]:
    return stripe.checkout.Session.expire(session_id, **_options()).to_dict()


def refund_create(*, payment_intent: str, amount: Decimal, metadata: dict[str, str],
                  idempotency_key: str) -> dict[str, Any]:
    return stripe.Refund.create(
        payment_intent=payment_intent,
        amount=to_minor_units(amount),
        reason="requested_by_customer",
        metadata=metadata,
        **_options(idempotency_key),
    ).to_dict()


def webhook_event(*, payload: bytes, signature: str | None) -> Any:
    """The verified event; raises ValueError (bad payload) or stripe.SignatureVerificationError."""
    return stripe.Webhook.construct_event(payload, signature, settings.STRIPE_WEBHOOK_SECRET)

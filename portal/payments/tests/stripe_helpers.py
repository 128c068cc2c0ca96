"""Stripe test helpers: objects shaped like Stripe's, and webhook posts signed with a test secret."""

from __future__ import annotations

import json
import time
from typing import Any

import stripe
from django.urls import reverse

WEBHOOK_SECRET = "whsec_test_secret_for_unit_tests"
STRIPE_API = "https://api.stripe.com/v1"


def session_object(payment, *, session_id: str | None = None, paid: bool = True, **overrides) -> dict[str, Any]:
    data = {
        "id": session_id or payment.provider_session_id,
        "object": "checkout.session",
        "amount_total": int(payment.amount * 100),
        "currency": payment.currency.lower(),
        "client_reference_id": str(payment.pk),
        "metadata": {"payment_id": str(payment.pk), "appointment_id": str(payment.appointment_id)},
        "payment_intent": "pi_test_123",
        "payment_status": "paid" if paid else "unpaid",
        "status": "complete" if paid else "open",
    }
    data.update(overrides)
    return data


def event(session: dict, *, event_id: str = "evt_1", type: str = "checkout.session.completed") -> dict:
    return {"id": event_id, "object": "event", "type": type, "created": int(time.time()),
            "data": {"object": session}, "livemode": False, "api_version": "2025-01-01"}


def signed_post(client, body: dict | str, *, secret: str = WEBHOOK_SECRET, timestamp: int | None = None,
                signature: str | None = None):
    payload = body if isinstance(body, str) else json.dumps(body)
    header = signature or stripe.WebhookSignature.generate_signature_header(payload, secret, timestamp=timestamp)
    return client.post(reverse("payments:payments_stripe_webhook"), data=payload, content_type="application/json",
                       HTTP_STRIPE_SIGNATURE=header)

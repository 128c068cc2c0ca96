"""The only module that talks to Paynow (Zimbabwe: EcoCash, OneMoney, ZimSwitch and Visa/Mastercard).

Initiation goes through the official `paynow` SDK, which checks the hash of Paynow's answer. Paynow's
status messages (the result-URL callback and the poll answer) are checked here, with the same rule:
SHA-512 over the values in the order received (all but `hash`) followed by the integration key,
upper-case hex. The SDK takes amounts as floats; we hand it the Decimal as a string-exact float of two
decimals and compare Paynow's answers as Decimals. Tests mock Paynow's HTTP endpoints (`responses`).
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from urllib.parse import parse_qsl

import requests
from django.conf import settings
from paynow import Paynow

TIMEOUT_SECONDS = 20
# Paynow's transaction statuses (its "Status" field), by what they mean for the payment.
PAID_STATUSES = {"paid", "awaiting delivery", "delivered"}
FAILED_STATUSES = {"cancelled", "failed", "disputed"}
PENDING_STATUSES = {"created", "sent", "pending"}
MOBILE_METHODS = {"ecocash": "EcoCash", "onemoney": "OneMoney"}


class PaynowError(Exception):
    """Paynow refused, answered with a bad hash, or could not be reached."""


@dataclass(frozen=True)
class Started:
    poll_url: str
    redirect_url: str = ""
    instructions: str = ""


@dataclass(frozen=True)
class Status:
    """A verified status message."""

    reference: str
    status: str  # lower case
    amount: Decimal | None
    paynow_reference: str
    poll_url: str

    @property
    def paid(self) -> bool:
        return self.status in PAID_STATUSES

    @property
    def failed(self) -> bool:
        return self.status in FAILED_STATUSES


def _client(*, return_url: str = "", result_url: str = "") -> Paynow:
    return Paynow(settings.PAYNOW_INTEGRATION_ID, settings.PAYNOW_INTEGRATION_KEY, return_url, result_url)


def message_hash(values: Mapping[str, str]) -> str:
    """Paynow's hash of a message: its values in order (without `hash`), then the integration key."""
    text = "".join(str(value) for key, value in values.items() if key.lower() != "hash")
    return hashlib.sha512((text + settings.PAYNOW_INTEGRATION_KEY.lower()).encode()).hexdigest().upper()


def verified_status(values: Mapping[str, str]) -> Status:
    """Parse a status message from Paynow; raises PaynowError unless its hash is right."""
    given = str(values.get("hash", ""))
    if not given or not hmac.compare_digest(given.upper(), message_hash(values)):
        raise PaynowError("The message's hash does not match.")
    try:
        amount = Decimal(str(values["amount"])) if values.get("amount") not in (None, "") else None
    except InvalidOperation as error:
        raise PaynowError("The message's amount is not a number.") from error
    return Status(
        reference=str(values.get("reference", "")), status=str(values.get("status", "")).strip().lower(),
        amount=amount, paynow_reference=str(values.get("paynowreference", "")),
        poll_url=str(values.get("pollurl", "")),
    )


def _payment(reference: str, email: str, title: str, amount: Decimal):
    payment = _client().create_payment(reference, email)
    payment.add(title, float(amount))  # the SDK's type; two decimals survive the round trip
    return payment


def start_web(*, reference: str, email: str, title: str, amount: Decimal, return_url: str,
              result_url: str) -> Started:
    """Paynow's web checkout: the patient is sent to `redirect_url` and chooses how to pay there."""
    try:
        answer = _client(return_url=return_url, result_url=result_url).send(
            _payment(reference, email, title, amount))
    except Exception as error:  # the SDK raises bare exceptions (network, hash mismatch, bad answer)
        raise PaynowError(str(error) or error.__class__.__name__) from error
    if not answer.success:
        raise PaynowError(str(answer.data.get("error", "refused")))
    return Started(poll_url=answer.poll_url, redirect_url=answer.redirect_url)


def start_mobile(*, reference: str, email: str, title: str, amount: Decimal, phone: str, method: str,
                 return_url: str, result_url: str) -> Started:
    """Express checkout: Paynow asks the patient's phone (EcoCash/OneMoney) to approve the payment."""
    if method not in MOBILE_METHODS:
        raise PaynowError("Unknown mobile-money method.")
    try:
        answer = _client(return_url=return_url, result_url=result_url).send_mobile(
            _payment(reference, email, title, amount), phone, method)
    except Exception as error:
        raise PaynowError(str(error) or error.__class__.__name__) from error
    if not answer.success:
        raise PaynowError(str(answer.data.get("error", "refused")))
    return Started(poll_url=answer.poll_url, instructions=str(answer.data.get("instructions", "")))


def poll(poll_url: str) -> Status:
    """Ask Paynow for a payment's status at the poll URL it gave when the payment started. The SDK
    does not check this answer's hash; we do."""
    try:
        response = requests.post(poll_url, data={}, timeout=TIMEOUT_SECONDS)
        response.raise_for_status()
    except requests.RequestException as error:
        raise PaynowError(f"Paynow could not be reached: {error.__class__.__name__}") from error
    return verified_status(dict(parse_qsl(response.text, keep_blank_values=True)))

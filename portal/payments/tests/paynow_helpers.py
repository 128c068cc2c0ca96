"""Paynow test helpers: its endpoints mocked at the HTTP layer, and messages hashed as Paynow does."""

from __future__ import annotations

import hashlib
from urllib.parse import urlencode

import responses

INTEGRATION_ID = "12345"
INTEGRATION_KEY = "3e9fed89-60e1-4ce5-ab6e-6b1eb2d4f977"
INITIATE_URL = "https://www.paynow.co.zw/interface/initiatetransaction"
MOBILE_URL = "https://www.paynow.co.zw/interface/remotetransaction"
POLL_URL = "https://www.paynow.co.zw/Interface/CheckPayment/?guid=2b7a4f0e-test"
BROWSER_URL = "https://www.paynow.co.zw/Payment/ConfirmPayment/9510"


def signed(values: dict[str, str], key: str = INTEGRATION_KEY) -> dict[str, str]:
    """The message with Paynow's hash: SHA-512 of the values in order, then the key, upper-case hex."""
    text = "".join(str(v) for v in values.values()) + key.lower()
    return {**values, "hash": hashlib.sha512(text.encode()).hexdigest().upper()}


def body(values: dict[str, str]) -> str:
    return urlencode(signed(values))


def status_message(payment, *, status: str = "Paid", amount: str | None = None, reference: str | None = None,
                   poll_url: str = POLL_URL) -> dict[str, str]:
    return signed({
        "reference": reference or f"RP-{payment.pk:06d}",
        "paynowreference": "9510",
        "amount": amount or f"{payment.amount:.2f}",
        "status": status,
        "pollurl": poll_url,
    })


def mock_web_start(mock: responses.RequestsMock) -> None:
    mock.add(responses.POST, INITIATE_URL, body=body(
        {"status": "Ok", "browserurl": BROWSER_URL, "pollurl": POLL_URL}))


def mock_mobile_start(mock: responses.RequestsMock, *, instructions: str = "Dial *151*2*4# and enter your PIN") -> None:
    mock.add(responses.POST, MOBILE_URL, body=body(
        {"status": "Ok", "instructions": instructions, "pollurl": POLL_URL, "paynowreference": "9510"}))


def mock_poll(mock: responses.RequestsMock, payment, **kwargs) -> None:
    mock.add(responses.POST, POLL_URL, body=urlencode(status_message(payment, **kwargs)))

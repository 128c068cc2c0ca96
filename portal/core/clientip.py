"""The client's IP address: the one definition, used by the audit trail, the report and referral
access logs, and allauth's per-address rate limits (through the account adapter).

Behind N trusted reverse proxies (settings.TRUSTED_PROXY_COUNT, from DJANGO_TRUSTED_PROXY_COUNT),
each proxy appends the address it received the request from to X-Forwarded-For; the client is the
N-th entry from the right. Entries further left were written by the client and are never believed.
With no trusted proxy (the default) only REMOTE_ADDR counts, whatever headers the request carries.
"""

from __future__ import annotations

import ipaddress

from django.conf import settings
from django.http import HttpRequest


def _clean(value: str | None) -> str | None:
    if not value:
        return None
    value = value.strip()
    if value.startswith("[") and "]" in value:  # "[2001:db8::1]:443"
        value = value[1 : value.index("]")]
    elif value.count(":") == 1:  # "203.0.113.9:51234"
        value = value.split(":", 1)[0]
    try:
        return str(ipaddress.ip_address(value))
    except ValueError:
        return None


def client_ip(request: HttpRequest) -> str | None:
    """The address of the client that sent this request, or None when none can be told."""
    trusted = int(getattr(settings, "TRUSTED_PROXY_COUNT", 0) or 0)
    if trusted > 0:
        forwarded = [part for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if part.strip()]
        if len(forwarded) >= trusted:
            address = _clean(forwarded[-trusted])
            if address:
                return address
    return _clean(request.META.get("REMOTE_ADDR"))

"""Security headers (a nonce-based Content-Security-Policy) for every response; no caching of a
signed-in user's responses."""

from __future__ import annotations

import secrets

from django.conf import settings
from django.http import HttpRequest, HttpResponse

from portal.core.process_memo import request_scope


def content_security_policy(nonce: str, *, admin: bool) -> str:
    # Admin screens (Wagtail, Django admin) ship inline scripts of their own; they keep a policy
    # without nonces for scripts. Everything the portal itself serves runs with nonces only.
    script_src = "'self' 'unsafe-inline'" if admin else f"'self' 'nonce-{nonce}'"
    form_action = " ".join(["'self'", *settings.CSP_FORM_ACTION_EXTRA])
    return "; ".join(
        [
            "default-src 'self'",
            f"script-src {script_src}",
            "style-src 'self' 'unsafe-inline'",
            "img-src 'self' data: blob:",
            "font-src 'self' data:",
            "connect-src 'self'",
            "object-src 'none'",
            "base-uri 'self'",
            f"form-action {form_action}",
            "frame-ancestors 'self'" if admin else "frame-ancestors 'none'",
        ]
    )


class SecurityHeadersMiddleware:
    """Adds a per-request CSP nonce (`request.csp_nonce`, `{{ csp_nonce }}` in templates) and headers."""

    ADMIN_PREFIXES = ("/admin/", "/django-admin/")

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request.csp_nonce = secrets.token_urlsafe(18)
        response = self.get_response(request)
        admin = request.path.startswith(self.ADMIN_PREFIXES)
        response.headers.setdefault("Content-Security-Policy", content_security_policy(request.csp_nonce, admin=admin))
        response.headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=(), payment=()")
        response.headers.setdefault("Cross-Origin-Resource-Policy", "same-origin")
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and "no-store" not in response.get("Cache-Control", ""):
            # A signed-in user's pages, files and downloads stay out of shared and browser caches.
            response["Cache-Control"] = "private, no-store"
        return response


class SharedVersionsMiddleware:
    """One cache read per request for the version stamps of the per-process copies (the practice's
    details, the menu, the opening hours: portal.core.process_memo), instead of one per read."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        with request_scope():
            return self.get_response(request)

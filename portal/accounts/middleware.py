"""Site-wide access rules: sign-in by default, and two-factor authentication for staff."""

from __future__ import annotations

from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse

from portal.accounts.permissions import is_staff_member


def _route_names(request: HttpRequest) -> tuple[str, list[str]]:
    match = request.resolver_match
    if match is None:
        return "", []
    return match.url_name or "", list(match.namespaces)


def is_public_view(view_name: str, namespaces: list[str]) -> bool:
    """Is this fully qualified view name ("ns:name") on the public allowlist (settings.PUBLIC_URL_NAMES)?

    Names match exactly, namespace included: "login" is our /login/, never the Django admin's "admin:login".
    """
    allowed = settings.PUBLIC_URL_NAMES
    return view_name in allowed or any(f"{ns}:*" in allowed for ns in namespaces)


def is_public(request: HttpRequest) -> bool:
    match = request.resolver_match
    return match is not None and is_public_view(match.view_name, list(match.namespaces))


class LoginRequiredMiddleware:
    """Every URL needs a signed-in user, except the public allowlist.

    Adding a public page is a deliberate act: name it in PUBLIC_URL_NAMES (a test enumerates the
    URL resolver and fails on any URL that is reachable anonymously without being listed).
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_view(self, request: HttpRequest, view_func, view_args, view_kwargs):
        if request.user.is_authenticated or is_public(request):
            return None
        login = reverse(settings.LOGIN_URL)
        return HttpResponseRedirect(f"{login}?{urlencode({'next': request.get_full_path()})}")


# Pages a staff member without two-factor authentication may still open.
MFA_SETUP_URL_NAMES = {
    "mfa_index",
    "mfa_activate_totp",
    "mfa_view_recovery_codes",
    "mfa_generate_recovery_codes",
    "mfa_download_recovery_codes",
    "mfa_reauthenticate",
    "mfa_authenticate",
    "account_logout",
    "account_reauthenticate",
    "account_confirm_email",
    "account_email_verification_sent",
}


def has_mfa(user) -> bool:
    from allauth.mfa.models import Authenticator

    return Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists()


class StaffMFARequiredMiddleware:
    """Staff roles must enrol in TOTP before any staff (non-public) page opens."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_view(self, request: HttpRequest, view_func, view_args, view_kwargs):
        if not settings.STAFF_MFA_REQUIRED or not request.user.is_authenticated:
            return None
        url_name, _ = _route_names(request)
        if url_name in MFA_SETUP_URL_NAMES or is_public(request):
            return None
        if not is_staff_member(request.user) or has_mfa(request.user):
            return None
        messages.warning(
            request,
            "Staff accounts must use two-factor authentication. Set up an authenticator app to continue.",
        )
        return HttpResponseRedirect(reverse("mfa_activate_totp"))


class SessionIdleTimeoutMiddleware:
    """Signed-in sessions end after a period without requests: shorter for staff than patients."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            minutes = settings.SESSION_IDLE_MINUTES_STAFF if is_staff_member(user) else settings.SESSION_IDLE_MINUTES
            request.session.set_expiry(minutes * 60)
        return self.get_response(request)

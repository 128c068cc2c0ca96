"""Site-wide access rules: sign-in by default, and two-factor authentication for staff."""

from __future__ import annotations

from urllib.parse import urlencode

from django.conf import settings
from django.contrib import auth, messages
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


def session_passed_mfa(request: HttpRequest) -> bool:
    """Did this session itself complete a second factor (a TOTP or recovery code) for its user?

    allauth records every authentication step of a session (password, mfa, ...) against the user it
    was for; having an authenticator is not enough, the code must have been entered in this session.
    """
    from allauth.account.authentication import get_authentication_records

    return any(record.get("method") == "mfa" for record in get_authentication_records(request, request.user))


class StaffMFARequiredMiddleware:
    """Staff pages open only in a session that passed two-factor authentication.

    A staff member without TOTP is sent to enrol; one with TOTP whose session never entered a code
    (a login path that skipped allauth's MFA stage) is signed out and asked to sign in again.
    """

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
        if not is_staff_member(request.user):
            return None
        if not has_mfa(request.user):
            messages.warning(
                request,
                "Staff accounts must use two-factor authentication. Set up an authenticator app to continue.",
            )
            return HttpResponseRedirect(reverse("mfa_activate_totp"))
        if session_passed_mfa(request):
            return None
        auth.logout(request)
        messages.warning(request, "Sign in again with your password and your authenticator code.")
        login = reverse(settings.LOGIN_URL)
        return HttpResponseRedirect(f"{login}?{urlencode({'next': request.get_full_path()})}")


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

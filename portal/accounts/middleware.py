"""Site-wide access rules: sign-in by default, and two-factor authentication for staff."""

from __future__ import annotations

import time
from urllib.parse import urlencode

from allauth.usersessions.middleware import UserSessionsMiddleware
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


# The idle expiry (and allauth's "last seen") move on at most once a minute: refreshing them on every
# request would write the session row on every request.
SESSION_REFRESH_SECONDS = 60
_REFRESHED_AT = "_idle_refreshed_at"


class SessionIdleTimeoutMiddleware:
    """Signed-in sessions end after a period without requests: shorter for staff than patients.

    The expiry is pushed forward when it was last pushed a minute or more ago (or its length
    changed), so a session idles out between `minutes - 1` and `minutes` after its last request,
    and a busy session is saved once a minute rather than on every request. Sets
    `request.session_refreshed` for ThrottledUserSessionsMiddleware.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request.session_refreshed = False
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            minutes = settings.SESSION_IDLE_MINUTES_STAFF if is_staff_member(user) else settings.SESSION_IDLE_MINUTES
            session = request.session
            now = int(time.time())
            refreshed_at = session.get(_REFRESHED_AT)
            if (
                session.get("_session_expiry") != minutes * 60
                or not isinstance(refreshed_at, int)
                or not 0 <= now - refreshed_at < SESSION_REFRESH_SECONDS
            ):
                session.set_expiry(minutes * 60)
                session[_REFRESHED_AT] = now
                request.session_refreshed = True
        return self.get_response(request)


class ThrottledUserSessionsMiddleware(UserSessionsMiddleware):
    """allauth's user-session activity tracking (IP, user agent, last seen), at most once a minute.

    It runs when SessionIdleTimeoutMiddleware (before it) refreshed the session on this request,
    so both writes happen on the same request; a session's row is made at sign-in by allauth and
    on its first request here, so "end every session of a user" still finds them all.
    """

    def __call__(self, request: HttpRequest):
        if getattr(request, "session_refreshed", True):
            return super().__call__(request)
        return self.get_response(request)

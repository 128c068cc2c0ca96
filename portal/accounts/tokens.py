"""The mobile app's session tokens (allauth.headless, "app" client), read by the API and FHIR.

A token is an allauth session: signing in, MFA, throttling and verification happen in allauth's
JSON API (/_allauth/app/v1/), and the sessions are the same user sessions the profile page lists
and revokes. Here a token becomes a user, under the web's rules: an inactive user, an ended or
expired session, or a staff session that never passed two-factor authentication is refused; the
session slides forward like the web's idle timeout.
"""

from __future__ import annotations

import time

from allauth.account.internal.flows.login import AUTHENTICATION_METHODS_SESSION_KEY
from allauth.core.internal.sessionkit import get_session_user
from allauth.headless.internal.sessionkit import lookup_session
from allauth.usersessions.internal import usersessionkit
from django.conf import settings
from django.contrib.sessions.backends.base import SessionBase
from django.http import HttpRequest

from portal.accounts.models import User
from portal.accounts.permissions import is_staff_member

TOKEN_HEADER = "X-Session-Token"  # noqa: S105 - a header name
DEVICE_HEADER = "X-Device-Name"
# Refresh a token's expiry at most this often (one write per minute, not per request).
_SLIDE_EVERY_SECONDS = 60
_TOUCHED_KEY = "portal_api_touched_at"


def token_from(request: HttpRequest) -> str:
    """The token from `X-Session-Token`, or from `Authorization: Bearer` (what FHIR clients send)."""
    token = request.headers.get(TOKEN_HEADER, "").strip()
    if not token:
        scheme, _, credential = request.headers.get("Authorization", "").partition(" ")
        if scheme.lower() == "bearer":
            token = credential.strip()
    return token


def _passed_mfa(session: SessionBase) -> bool:
    records = session.get(AUTHENTICATION_METHODS_SESSION_KEY)
    return isinstance(records, list) and any(isinstance(r, dict) and r.get("method") == "mfa" for r in records)


def _bookkeeping_due(session: SessionBase) -> bool:
    return int(time.time()) - int(session.get(_TOUCHED_KEY, 0)) >= _SLIDE_EVERY_SECONDS


def _slide(session: SessionBase, user: User) -> None:
    """Push the token's expiry to a full idle period from now."""
    minutes = settings.SESSION_IDLE_MINUTES_STAFF if is_staff_member(user) else settings.SESSION_IDLE_MINUTES
    session[_TOUCHED_KEY] = int(time.time())
    session.set_expiry(minutes * 60)
    session.save()


def user_from_token(request: HttpRequest, token: str | None = None) -> User | None:
    """The signed-in user of this request's app token, or None (the caller answers 401)."""
    token = token if token is not None else token_from(request)
    if not token or len(token) > 100:
        return None
    # allauth's session-token lookup (HEADLESS_TOKEN_STRATEGY is the default: the token is the
    # session key), in one query instead of its exists() + load.
    session = lookup_session(token)
    user = get_session_user(session) if session is not None else None
    if user is None or not user.is_active:
        return None
    if settings.STAFF_MFA_REQUIRED and is_staff_member(user) and not _passed_mfa(session):
        return None
    if _bookkeeping_due(session):
        # At most once a minute: slide the expiry, and let allauth's user-session list (the profile
        # page) see the activity and the device's name.
        _slide(session, user)
        usersessionkit.track_activity(request, user=user, session=session)
        device = request.headers.get(DEVICE_HEADER, "").strip()
        if device:
            from portal.accounts.services import user_session_name_device

            user_session_name_device(session_key=session.session_key, name=device)
    request.user = user
    return user

from __future__ import annotations

from django.conf import settings

from portal.accounts.permissions import effective_roles, roles_of
from portal.core.registry import nav_links_for


def portal(request) -> dict:
    user = getattr(request, "user", None)
    roles = roles_of(user) if user is not None else set()
    return {
        "nav_links": nav_links_for(user, effective_roles(user)) if user is not None and user.is_authenticated else [],
        "user_roles": roles,
        "CURRENCY": settings.CURRENCY,
        "csp_nonce": getattr(request, "csp_nonce", ""),
        "proxy": _proxy(request),
    }


def _proxy(request) -> dict | None:
    """The header's "me / my dependants" switch (only for guardians)."""
    from portal.accounts.proxy import SESSION_KEY, dependants_for

    guardian = getattr(request, "guardian", None) or getattr(request, "user", None)
    if guardian is None or not guardian.is_authenticated:
        return None
    links = dependants_for(user=guardian)
    if not links:
        return None
    acting = getattr(request, "guardian", None) is not None
    return {"guardian": guardian, "links": links, "acting_for": request.user if acting else None,
            "selected": request.session.get(SESSION_KEY)}

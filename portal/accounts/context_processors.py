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
    }

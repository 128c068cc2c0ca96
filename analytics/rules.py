"""Who may see analytics: managers (and administrators)."""

from __future__ import annotations

from typing import Any

from portal.accounts.permissions import has_role, rule
from portal.accounts.roles import Role


@rule("analytics.view")
def _view(user: Any, obj: Any) -> bool:
    return user.is_superuser or has_role(user, Role.MANAGER)


@rule("analytics.send_reminder")
def _send_reminder(user: Any, obj: Any) -> bool:
    return user.is_superuser or has_role(user, Role.MANAGER)

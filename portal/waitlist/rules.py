"""Who may do what with the waitlist. Asked through portal.accounts.permissions.can()."""

from __future__ import annotations

from typing import Any

from portal.accounts.permissions import can, has_role, rule
from portal.accounts.roles import Role


@rule("waitlist.join")
def _join(user: Any, obj: Any) -> bool:
    return can(user, "booking.book")


@rule("waitlist.manage")
def _manage(user: Any, obj: Any) -> bool:
    """Reception and managers see the waitlist and offer slots by hand."""
    return user.is_superuser or has_role(user, Role.RECEPTION, Role.MANAGER)


def can_manage(user: Any) -> bool:
    return can(user, "waitlist.manage")

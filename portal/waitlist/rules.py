"""Who may do what with the waitlist. Asked through portal.accounts.permissions.can()."""

from __future__ import annotations

from typing import Any

from portal.accounts.permissions import can, rule


@rule("waitlist.join")
def _join(user: Any, obj: Any) -> bool:
    return can(user, "booking.book")


@rule("waitlist.manage")
def _manage(user: Any, obj: Any) -> bool:
    """See the waitlist and offer slots by hand (reception and managers hold the permission)."""
    return user.has_perm("waitlist.manage_waitlist")


def can_manage(user: Any) -> bool:
    return can(user, "waitlist.manage")

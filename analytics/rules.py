"""Who may see analytics: managers (and administrators), through the app's permissions."""

from __future__ import annotations

from typing import Any

from portal.accounts.permissions import rule


@rule("analytics.view")
def _view(user: Any, obj: Any) -> bool:
    return user.has_perm("analytics.view_analytics")


@rule("analytics.send_reminder")
def _send_reminder(user: Any, obj: Any) -> bool:
    return user.has_perm("analytics.send_extra_reminder")

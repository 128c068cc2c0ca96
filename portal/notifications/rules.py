"""Who may see the delivery log of an appointment, and who may resend a message."""

from __future__ import annotations

from portal.accounts.permissions import is_clinical_staff, rule


@rule("notifications.view_log")
def view_log(user, obj=None) -> bool:
    return is_clinical_staff(user)


@rule("notifications.resend")
def resend(user, obj=None) -> bool:
    """Reception and managers hold the permission."""
    return user.has_perm("notifications.resend_delivery")

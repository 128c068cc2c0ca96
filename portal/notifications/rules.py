"""Who may see the delivery log of an appointment, and who may resend a message."""

from __future__ import annotations

from portal.accounts.permissions import has_role, is_clinical_staff, rule
from portal.accounts.roles import Role


@rule("notifications.view_log")
def view_log(user, obj=None) -> bool:
    return is_clinical_staff(user)


@rule("notifications.resend")
def resend(user, obj=None) -> bool:
    return bool(user.is_superuser or has_role(user, Role.RECEPTION, Role.MANAGER))

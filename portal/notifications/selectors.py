"""Reads of notifications, scoped to the user asking."""

from __future__ import annotations

from django.http import Http404

from portal.accounts.models import User
from portal.accounts.permissions import can
from portal.notifications.models import Delivery, NotificationPreference


def delivery_list_for_appointment(*, user: User, appointment) -> list[Delivery]:
    if not can(user, "notifications.view_log", appointment):
        raise Http404
    return list(appointment.deliveries.select_related("requested_by", "recipient").order_by("-created_at", "-id"))


def delivery_get_for_resend(*, user: User, pk: int) -> Delivery:
    delivery = Delivery.objects.select_related("appointment", "recipient", "referral").filter(pk=pk).first()
    if delivery is None or not can(user, "notifications.resend", delivery.appointment):
        raise Http404
    return delivery


def preference_get_for(*, user: User) -> NotificationPreference:
    from portal.notifications.services import preference_for

    return preference_for(user)


def delivery_log_panel(user: User, appointment) -> dict | None:
    """The appointment page's "Messages" panel: clinical staff only."""
    if not can(user, "notifications.view_log", appointment):
        return None
    return {
        "deliveries": delivery_list_for_appointment(user=user, appointment=appointment),
        "can_resend": can(user, "notifications.resend", appointment),
    }


def user_for_unsubscribe_token(*, token: str) -> User:
    """The active user a reminder's unsubscribe link was made for; 404 for a tampered or unknown token."""
    from portal.notifications.messages import unsubscribe_user_id

    user_id = unsubscribe_user_id(token)
    user = User.objects.filter(pk=user_id, is_active=True).first() if user_id else None
    if user is None:
        raise Http404
    return user

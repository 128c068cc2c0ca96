"""Background work (django-q2): thin, takes ids, safe to run twice."""

from __future__ import annotations

from portal.payments import services


def refund_cancelled_appointment(appointment_id: int) -> int:
    """Refund a cancelled appointment's payments within the policy; returns how many refunds exist."""
    return len(services.refunds_for_cancellation(appointment_id=appointment_id))


def release_expired_holds() -> int:
    """Every minute (django-q2 schedule): free the slots of unpaid holds."""
    return services.holds_release_expired()


def poll_paynow_payments() -> int:
    """Every two minutes (django-q2 schedule): ask Paynow about payments whose callback has not come."""
    from portal.payments import paynow_services

    return paynow_services.paynow_poll_pending()

"""Receivers of domain events: they only queue a task (portal.payments.tasks)."""

from __future__ import annotations

from typing import Any

from portal.payments.services import queue_cancellation_refunds


def on_appointment_cancelled(sender: Any, appointment: Any, **kwargs: Any) -> None:
    queue_cancellation_refunds(appointment_id=appointment.pk)

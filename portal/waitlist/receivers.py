"""Booking events -> waitlist tasks (queued after commit; receivers write nothing)."""

from __future__ import annotations

from django.db import transaction
from django.dispatch import receiver

from portal.core import signals

SCHEDULE_NAME = "waitlist: expire offers"


def _queue(func: str, *args) -> None:
    def queue() -> None:  # the broker down: kept in the database, queued when it is back (core.enqueue)
        from portal.core.enqueue import enqueue

        enqueue(f"portal.waitlist.tasks.{func}", *args, task_name=f"waitlist.{func}")

    transaction.on_commit(queue)


@receiver(signals.appointment_cancelled, dispatch_uid="waitlist.cancelled")
def on_cancelled(sender, appointment, **kwargs) -> None:
    _queue("offer_freed_slot", appointment.room_id, appointment.start.isoformat())


@receiver(signals.appointment_rescheduled, dispatch_uid="waitlist.rescheduled")
def on_rescheduled(sender, appointment, old_start, old_room_id=None, **kwargs) -> None:
    _queue("offer_freed_slot", old_room_id or appointment.room_id, old_start.isoformat())
    _queue("close_taken_offers", appointment.pk)


@receiver(signals.appointment_booked, dispatch_uid="waitlist.booked")
def on_booked(sender, appointment, **kwargs) -> None:
    _queue("close_taken_offers", appointment.pk)


@receiver(signals.closure_lifted, dispatch_uid="waitlist.closure_lifted")
def on_closure_lifted(sender, room_id, first_day, last_day, **kwargs) -> None:
    _queue("offer_reopened_days", room_id, first_day.isoformat(), last_day.isoformat())


def ensure_schedule() -> None:
    from django_q.models import Schedule

    Schedule.objects.update_or_create(
        name=SCHEDULE_NAME,
        defaults={"func": "portal.waitlist.tasks.expire_offers", "schedule_type": Schedule.MINUTES, "minutes": 1,
                  "repeats": -1},
    )


def ensure_schedule_after_migrate(sender, using="default", **kwargs) -> None:
    from django_q.models import Schedule

    if not Schedule.objects.using(using).filter(name=SCHEDULE_NAME).exists():
        ensure_schedule()

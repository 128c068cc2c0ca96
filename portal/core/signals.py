"""Domain events. Services send them after their transaction commits (`send_on_commit`).

Receivers (notifications, payments, analytics...) must not write to the database themselves: they
queue a django-q2 task that calls a service. Every signal passes the object as a keyword argument.
"""

from __future__ import annotations

from django.db import transaction
from django.dispatch import Signal

# kwargs: appointment
appointment_booked = Signal()
appointment_confirmed = Signal()
appointment_checked_in = Signal()
appointment_completed = Signal()
appointment_no_show = Signal()
# kwargs: appointment, reason
appointment_cancelled = Signal()
# kwargs: appointment, old_start, old_room_id
appointment_rescheduled = Signal()
# kwargs: referral
referral_received = Signal()
# kwargs: report (signed: from now on the referring doctors may read it)
report_signed = Signal()
# kwargs: report (released to the patient, at signing or after the release delay)
report_released = Signal()
# kwargs: notice, phones (list of E.164): a critical finding nobody acknowledged in time, to text to the
# practice's duty phones now. Sent with send_robust; each receiver returns [{"to", "sid"} or {"to", "error"}],
# which reports records on the notice (the numbers are not users, so there is no delivery row).
critical_finding_escalated = Signal()
# kwargs: payment
payment_received = Signal()
# no kwargs: a room or its weekly hours changed (pages that show the hours are stale)
opening_hours_changed = Signal()
# kwargs: room_id (None: the whole practice), first_day, last_day (local dates): days a closure
# no longer covers (it was deleted or shortened), so their slots are bookable again
closure_lifted = Signal()

# kwargs: phone (E.164), code, expires_at: the access code of a report share link, to text to its recipient
# (notifications sends it at once, with no delivery row: the code must not be stored anywhere)
report_share_code_issued = Signal()

# kwargs: offer (a waitlist offer was made / its slot was taken by someone else)
waitlist_offer_made = Signal()
waitlist_offer_taken = Signal()


def send_on_commit(signal: Signal, sender: type, **kwargs) -> None:
    """Send `signal` once the current transaction commits (at once outside a transaction)."""
    transaction.on_commit(lambda: signal.send(sender=sender, **kwargs))

"""Sending: each pending delivery goes exactly once.

A sender claims a batch with one conditional UPDATE (pending -> sending, stamped with its own token)
that commits before any provider is called, then hands the messages over one at a time: each is
stamped "handed" (only while this sender still holds the claim) in the same commit that marks the
one before it sent. A task run twice, or by two workers at once, sends one message; a sender killed
mid-batch leaves at most one message whose fate is unknown (handed, not marked sent), and the rest
of its claim is handed back to pending by `deliveries_release_stuck`. A sender also keeps inside a
time budget (settings.NOTIFICATIONS_SEND_BUDGET_SECONDS, below django-q2's timeout, which would kill
it): once the next message could end past it, it hands over no more, gives the rest of its claim back
to pending in the commit that marks its last message sent, and queues a new task for them. Provider
callbacks (Twilio's status) are recorded here too.
"""

from __future__ import annotations

import datetime as dt
import logging
import time
import uuid

from django.conf import settings
from django.db import connection, transaction
from django.db.models import CharField, F
from django.db.models.functions import Cast
from django.utils import timezone

from portal.booking.models import Appointment
from portal.notifications import whatsapp
from portal.notifications.channels import get_channel
from portal.notifications.messages import Outgoing, render
from portal.notifications.models import Delivery
from portal.notifications.quiet import in_quiet_hours, next_allowed

logger = logging.getLogger(__name__)

Status = Delivery.Status
Channel = Delivery.Channel
MAX_ATTEMPTS = 3
RETRY_AFTER = (dt.timedelta(minutes=5), dt.timedelta(minutes=30))
UPCOMING = Appointment.UPCOMING_STATUSES
URGENT_MESSAGES = ("critical_finding",)


# --- Sending --------------------------------------------------------------------------


def _hold(item: Outgoing, now: dt.datetime) -> tuple[str, str, dt.datetime | None] | None:
    """Why this delivery must not go now: (status, reason, defer_until), or None to send it."""
    if item.appointment_id is not None and item.kind == "reminder" and (
        item.status not in UPCOMING or item.start <= now or item.start != item.planned_start
    ):
        return Status.CANCELLED, "The appointment was cancelled or moved.", None
    if item.appointment_id is not None and item.kind in ("confirmation", "confirmed") and (
        item.status == Appointment.Status.CANCELLED
    ):
        return Status.CANCELLED, "The appointment was cancelled.", None
    expires = (item.context or {}).get("offer_expires") if item.kind == "waitlist_offer" else None
    if expires and now >= dt.datetime.fromisoformat(expires):
        return Status.CANCELLED, "The offer expired before it could be sent.", None
    urgent = item.kind in URGENT_MESSAGES  # a critical finding: not held by routine choices or quiet hours
    if item.channel in (Channel.SMS, Channel.WHATSAPP):
        if item.channel == Channel.SMS and (
            item.sms_opted_out or not (item.notify_by_sms or urgent) or not item.phone
        ):
            return Status.SKIPPED, "The recipient turned text messages off.", None
        if item.channel == Channel.WHATSAPP:
            if not item.notify_by_whatsapp or not item.phone or not whatsapp.is_enabled():
                return Status.SKIPPED, "The recipient turned WhatsApp off (or WhatsApp is not configured).", None
            if not whatsapp.content_sid_for(item.kind):
                return Status.SKIPPED, "No approved WhatsApp template for this message.", None
        quiet, quiet_start, quiet_end = item.quiet_window
        if quiet and not urgent and in_quiet_hours(now, quiet_start, quiet_end):
            until = next_allowed(now, quiet_start, quiet_end)
            if item.kind == "reminder" and item.start is not None and until >= item.start:
                return Status.SKIPPED, "Quiet hours last until the appointment.", None
            if expires and until >= dt.datetime.fromisoformat(expires):
                return Status.SKIPPED, "Quiet hours last until the offer expires.", None
            return Status.PENDING, "", until
    elif not (item.notify_by_email or urgent) or not item.email:
        return Status.SKIPPED, "The recipient turned email off.", None
    elif item.kind == "reminder" and item.email_reminders is False:
        return Status.SKIPPED, "The recipient unsubscribed from reminder emails.", None
    return None


def _apply_hold(item: Outgoing, hold: tuple[str, str, dt.datetime | None], now: dt.datetime) -> None:
    status, reason, until = hold
    pending = Delivery.objects.filter(pk=item.pk, status=Status.PENDING)
    if until is not None:
        pending.update(due_at=until, queued_at=None, updated_at=now)
    else:
        pending.update(status=status, error=reason, updated_at=now)


def _record_failure(item: Outgoing, exc: Exception, now: dt.datetime) -> None:
    attempts = Delivery.objects.values_list("attempts", flat=True).get(pk=item.pk)
    final = attempts >= MAX_ATTEMPTS
    retry_at = now + RETRY_AFTER[min(attempts, len(RETRY_AFTER)) - 1]
    Delivery.objects.filter(pk=item.pk, status=Status.SENDING).update(
        status=Status.FAILED if final else Status.PENDING, due_at=now if final else retry_at, claim="",
        queued_at=None, handed_at=None, error=f"{type(exc).__name__}: {exc}"[:300], updated_at=timezone.now(),
    )
    logger.warning("Delivery %s failed on attempt %s (%s)", item.pk, attempts, type(exc).__name__)


_SENT_COLUMNS = ("status", "provider_message_id", "subject", "to", "sent_at", "updated_at")


def _mark_sent_sql() -> str:
    quote = connection.ops.quote_name
    assignments = ", ".join(f"{quote(column)} = %s" for column in _SENT_COLUMNS)
    sql = (
        f"UPDATE {quote(Delivery._meta.db_table)} SET {assignments}, {quote('error')} = '', "  # noqa: S608
        f"{quote('claim')} = '', {quote('handed_at')} = NULL WHERE {quote('id')} = %s AND {quote('status')} = %s"
    )
    return sql


def _hand_over(token: str, pk: int, previous: tuple | None) -> bool:
    """In one commit: mark the previous message sent, stamp this one handed. False when this sender
    no longer holds it (released as stuck and claimed again elsewhere): then it must not be sent."""
    with transaction.atomic():
        if previous is not None:
            with connection.cursor() as cursor:
                cursor.execute(_mark_sent_sql(), previous)
        now = timezone.now()
        return bool(Delivery.objects.filter(pk=pk, claim=token, status=Status.SENDING).update(
            handed_at=now, updated_at=now
        ))


def _mark_sent(row: tuple) -> None:
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(_mark_sent_sql(), row)


def _give_back(token: str, previous: tuple | None) -> list[int]:
    """Out of time: in one commit mark the last message sent and hand this sender's never-handed rows
    back to pending (claim cleared, the attempt not counted), stamped queued for the follow-up task."""
    with transaction.atomic():
        if previous is not None:
            with connection.cursor() as cursor:
                cursor.execute(_mark_sent_sql(), previous)
        rest = Delivery.objects.filter(claim=token, status=Status.SENDING, handed_at__isnull=True)
        ids = list(rest.select_for_update().order_by("pk").values_list("pk", flat=True))
        now = timezone.now()
        Delivery.objects.filter(pk__in=ids, claim=token, status=Status.SENDING, handed_at__isnull=True).update(
            status=Status.PENDING, claim="", attempts=F("attempts") - 1, queued_at=now, updated_at=now
        )
    return ids


def _queue_follow_up(ids: list[int]) -> None:
    """A new send task for the rows given back. Should the broker refuse it, they are left unqueued, for
    the next dispatch (every minute); a task lost later is queued again after REQUEUE_AFTER."""
    from django_q.tasks import async_task

    try:
        async_task("portal.notifications.tasks.send_deliveries", ids, task_name="notifications.send")
    except Exception:
        logger.exception("Could not queue the follow-up send of %s deliveries; the next dispatch takes them", len(ids))
        Delivery.objects.filter(pk__in=ids, status=Status.PENDING).update(queued_at=None)


def _clock() -> float:
    return time.monotonic()


def _outgoing(delivery_ids: list[int], now: dt.datetime) -> list[Outgoing]:
    rows = (
        Delivery.objects.filter(pk__in=delivery_ids, status=Status.PENDING, due_at__lte=now)
        .annotate(recipient_phone=Cast("recipient__phone", output_field=CharField()))  # as stored: E.164
        .order_by("pk")
        .values_list(*Outgoing.FIELDS)
    )
    return [Outgoing(*row) for row in rows]


def deliveries_send(*, delivery_ids: list[int], budget_seconds: float | None = None) -> int:
    """Send the given deliveries that are still pending and due; return how many this call sent.

    Deliberately not one transaction: the claim (one conditional UPDATE pending -> sending for the
    whole batch, stamped with this caller's token) commits before any provider is called, so another
    worker running the same batch finds nothing left to claim. Each sent message is then marked sent
    with its provider id, in the commit that stamps the next one handed (see the module's doc).
    Once the next message could end past `budget_seconds` (settings.NOTIFICATIONS_SEND_BUDGET_SECONDS)
    from the start, judged by the slowest so far, the rest of the claim goes back to pending and a new
    task is queued for it; at least one message is always handed over, so every task makes progress.
    """
    started = _clock()
    budget = settings.NOTIFICATIONS_SEND_BUDGET_SECONDS if budget_seconds is None else budget_seconds
    now = timezone.now()
    ready = []
    for item in _outgoing(delivery_ids, now):
        hold = _hold(item, now)
        if hold is None:
            ready.append(item)
        else:
            _apply_hold(item, hold, now)
    if not ready:
        return 0
    token = uuid.uuid4().hex
    claimed = Delivery.objects.filter(
        pk__in=[item.pk for item in ready], status=Status.PENDING, due_at__lte=now
    ).update(status=Status.SENDING, claim=token, attempts=F("attempts") + 1, updated_at=now)
    if not claimed:
        return 0  # another worker has them, or had them
    mine = set(Delivery.objects.filter(claim=token, status=Status.SENDING).values_list("pk", flat=True))
    channels: dict = {}
    sent = 0
    previous: tuple | None = None
    slowest = 0.0  # the longest one message has taken so far: hand-over commit, render, provider call
    tried = False
    for item in ready:
        if item.pk not in mine:
            continue
        begun = _clock()
        if tried and begun - started + slowest > budget:
            rest = _give_back(token, previous)
            logger.info("Send budget (%g s) used after %s messages; %s given back and queued again",
                        budget, sent, len(rest))
            if rest:
                _queue_follow_up(rest)
            return sent
        tried = True
        handed = _hand_over(token, item.pk, previous)
        previous = None  # marked sent in that commit
        if not handed:
            continue
        address = item.email if item.channel == Channel.EMAIL else item.phone
        try:
            rendered = render(item, to=address)
            channel = channels.get(item.channel) or channels.setdefault(item.channel, get_channel(item.channel))
            provider_id = channel.send(rendered)
        except Exception as exc:  # noqa: BLE001 - any provider error is recorded on the delivery, then retried
            _record_failure(item, exc, now)
            slowest = max(slowest, _clock() - begun)
            continue
        slowest = max(slowest, _clock() - begun)
        stamp_now = connection.ops.adapt_datetimefield_value(timezone.now())
        previous = (Status.SENT, provider_id[:255], rendered.subject[:200], address[:254], stamp_now, stamp_now,
                    item.pk, Status.SENDING)
        sent += 1
    if previous is not None:
        _mark_sent(previous)
    return sent


def delivery_send(*, delivery: Delivery) -> bool:
    """Send one delivery if it is still pending and due; True when this call sent it."""
    return deliveries_send(delivery_ids=[delivery.pk]) == 1


# --- Provider callbacks -----------------------------------------------------------------


def delivery_record_status(*, provider_message_id: str, provider_status: str, error_code: str = "") -> int:
    """Twilio's status callback (SMS and WhatsApp): delivered, or failed/undelivered. Returns the rows updated."""
    now = timezone.now()
    sms = Delivery.objects.filter(provider_message_id=provider_message_id, channel__in=[Channel.SMS, Channel.WHATSAPP])
    if not provider_message_id:
        return 0
    if provider_status == "delivered":
        return sms.filter(status__in=[Status.SENT, Status.SENDING]).update(
            status=Status.DELIVERED, delivered_at=now, updated_at=now
        )
    if provider_status in ("failed", "undelivered"):
        reason = f"Twilio reports {provider_status}" + (f" (error {error_code})" if error_code else "")
        return sms.exclude(status=Status.DELIVERED).update(status=Status.FAILED, error=reason[:300], updated_at=now)
    return 0


# Email services' tracking events (django-anymail's normalized event types) -> the delivery log.
EMAIL_DELIVERED = {"delivered"}
EMAIL_FAILED = {"bounced", "rejected", "failed", "complained"}


def delivery_record_email_event(*, provider_message_id: str, event_type: str, reason: str = "") -> int:
    """An email service's delivered / bounced (rejected, failed, complained) webhook. Returns rows updated."""
    if not provider_message_id:
        return 0
    now = timezone.now()
    email = Delivery.objects.filter(provider_message_id=provider_message_id, channel=Channel.EMAIL)
    if event_type in EMAIL_DELIVERED:
        return email.filter(status__in=[Status.SENT, Status.SENDING]).update(
            status=Status.DELIVERED, delivered_at=now, updated_at=now
        )
    if event_type in EMAIL_FAILED:
        # A bounce after "delivered" is still a bounce (some services report both).
        error = f"Email {event_type}" + (f": {reason}" if reason else "")
        return email.update(status=Status.FAILED, error=error[:300], updated_at=now)
    return 0

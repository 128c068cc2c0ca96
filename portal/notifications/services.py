"""Writes of notifications: plan deliveries, send each exactly once, record what became of it.

Exactly once, whatever the retries: a delivery row is unique on (appointment, kind, channel); a
sender first claims it with a conditional UPDATE (pending -> sending) that only one caller can win,
sends, then marks it sent with the provider's message id. A task run twice, or by two workers at
once, sends one message.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Exists, F, OuterRef
from django.utils import timezone

from portal.accounts.models import User
from portal.booking.models import Appointment
from portal.notifications.channels import get_channel
from portal.notifications.messages import MESSAGES, local, render
from portal.notifications.models import Delivery, NotificationPreference
from portal.notifications.quiet import in_quiet_hours, next_allowed

logger = logging.getLogger(__name__)

Status = Delivery.Status
Channel = Delivery.Channel
MAX_ATTEMPTS = 3
RETRY_AFTER = (dt.timedelta(minutes=5), dt.timedelta(minutes=30))
# A queued send task that has not run after this long is queued again by the sweep.
REQUEUE_AFTER = dt.timedelta(minutes=5)
# A delivery left "sending" this long was interrupted mid-send: it is marked failed, never resent
# automatically (the provider may have taken it), so a person can decide.
STUCK_AFTER = dt.timedelta(minutes=10)
SEND_BATCH = 250
UPCOMING = (Appointment.Status.REQUESTED, Appointment.Status.CONFIRMED)


# --- Preferences ----------------------------------------------------------------------


def preference_for(user: User) -> NotificationPreference:
    """The user's saved preferences, or the defaults (unsaved) when they never chose."""
    try:
        return user.notification_preference
    except NotificationPreference.DoesNotExist:
        return NotificationPreference(user=user)


def recipient_channels(user: User) -> list[tuple[str, str]]:
    """(channel, address) pairs the user wants messages on, now."""
    channels = []
    if user.notify_by_email and user.email:
        channels.append((Channel.EMAIL, user.email))
    if user.notify_by_sms and user.phone and not preference_for(user).sms_opted_out:
        channels.append((Channel.SMS, user.phone.as_e164))
    return channels


@transaction.atomic
def preference_update(
    *,
    user: User,
    notify_by_email: bool,
    notify_by_sms: bool,
    sms_opted_out: bool,
    quiet_hours: bool,
    quiet_start: dt.time,
    quiet_end: dt.time,
) -> NotificationPreference:
    from portal.accounts.services import user_update_profile

    user_update_profile(
        user=user, first_name=user.first_name, last_name=user.last_name, phone=user.phone,
        date_of_birth=user.date_of_birth, notify_by_email=notify_by_email, notify_by_sms=notify_by_sms,
    )
    preference, _ = NotificationPreference.objects.get_or_create(user=user)
    if sms_opted_out and not preference.sms_opted_out:
        preference.sms_opted_out_at = timezone.now()
    preference.sms_opted_out = sms_opted_out
    preference.quiet_hours = quiet_hours
    preference.quiet_start = quiet_start
    preference.quiet_end = quiet_end
    preference.full_clean()
    preference.save()
    return preference


@transaction.atomic
def sms_set_opt_out(*, phone: str, opted_out: bool) -> int:
    """STOP / START from a phone number: applies to every account with that number."""
    users = list(User.objects.filter(phone=phone))
    for user in users:
        preference, _ = NotificationPreference.objects.select_for_update().get_or_create(user=user)
        preference.sms_opted_out = opted_out
        preference.sms_opted_out_at = timezone.now() if opted_out else None
        preference.full_clean()
        preference.save()
    if opted_out and users:
        Delivery.objects.filter(recipient__in=users, channel=Channel.SMS, status=Status.PENDING).update(
            status=Status.SKIPPED, error="The recipient replied STOP.", updated_at=timezone.now()
        )
    return len(users)


# --- Planning -------------------------------------------------------------------------


def stamp(moment: dt.datetime) -> str:
    """A compact UTC stamp for keys: 20261128T0700Z."""
    return moment.astimezone(dt.UTC).strftime("%Y%m%dT%H%MZ")


def _due_for(channel: str, preference: NotificationPreference, due: dt.datetime) -> dt.datetime:
    if channel == Channel.SMS and preference.quiet_hours:
        return next_allowed(due, preference.quiet_start, preference.quiet_end)
    return due


def _new_deliveries(
    *,
    recipient: User,
    message: str,
    kind: str,
    appointment: Appointment | None = None,
    referral=None,
    context: dict | None = None,
    requested_by: User | None = None,
    now: dt.datetime,
) -> list[Delivery]:
    if message not in MESSAGES:
        raise ValueError(f"Unknown message {message!r}")
    preference = preference_for(recipient)
    rows = []
    for channel, address in recipient_channels(recipient):
        delivery = Delivery(
            appointment=appointment, referral=referral, recipient=recipient, kind=kind, message=message,
            channel=channel, to=address, due_at=_due_for(channel, preference, now),
            appointment_start=appointment.start if appointment is not None else None,
            context=context or {}, requested_by=requested_by,
        )
        delivery.full_clean(validate_unique=False, validate_constraints=False)  # the database decides races
        rows.append(delivery)
    return rows


def _queue_send(deliveries: Iterable[Delivery]) -> None:
    ids = [d.pk for d in deliveries if d.pk and d.status == Status.PENDING]
    if not ids:
        return
    now = timezone.now()
    Delivery.objects.filter(pk__in=ids).update(queued_at=now)

    def queue() -> None:
        from django_q.tasks import async_task

        async_task("portal.notifications.tasks.send_deliveries", ids, task_name="notifications.send")

    transaction.on_commit(queue)


@transaction.atomic
def deliveries_create(
    *,
    recipient: User,
    message: str,
    kind: str,
    appointment: Appointment | None = None,
    referral=None,
    context: dict | None = None,
    requested_by: User | None = None,
) -> list[Delivery]:
    """Plan one message to `recipient` on each channel they want, and queue its sending.

    Returns the deliveries created now; a (kind, channel) planned before is left as it is.
    """
    now = timezone.now()
    created = []
    for delivery in _new_deliveries(
        recipient=recipient, message=message, kind=kind, appointment=appointment, referral=referral,
        context=context, requested_by=requested_by, now=now,
    ):
        try:
            with transaction.atomic():
                delivery.save()
        except IntegrityError:
            continue  # planned already: exactly once
        created.append(delivery)
    _queue_send(created)
    return created


def _cancel_pending_reminders(appointment: Appointment, *, keep_start: dt.datetime | None) -> int:
    pending = Delivery.objects.filter(
        appointment=appointment, message="reminder", status=Status.PENDING
    )
    if keep_start is not None:
        pending = pending.exclude(appointment_start=keep_start)
    return pending.update(
        status=Status.CANCELLED, error="The appointment was cancelled or moved.", updated_at=timezone.now()
    )


@transaction.atomic
def appointment_notify(*, appointment: Appointment, message: str) -> list[Delivery]:
    """Booking confirmation, confirmed, cancellation, feedback request."""
    if message == "cancellation":
        _cancel_pending_reminders(appointment, keep_start=None)
    return deliveries_create(recipient=appointment.patient, message=message, kind=message, appointment=appointment)


@transaction.atomic
def appointment_notify_rescheduled(*, appointment: Appointment, old_start: dt.datetime) -> list[Delivery]:
    """Cancel reminders planned for the old time; tell the patient the new time."""
    _cancel_pending_reminders(appointment, keep_start=appointment.start)
    return deliveries_create(
        recipient=appointment.patient, message="reschedule", kind=f"reschedule_{stamp(appointment.start)}",
        appointment=appointment, context={"old_start": old_start.isoformat()},
    )


@transaction.atomic
def report_notify_ready(*, report) -> list[Delivery]:
    appointment = report.appointment
    return deliveries_create(
        recipient=appointment.patient, message="report_ready", kind=f"report_ready_{report.pk}",
        appointment=appointment, context={"report_id": report.pk},
    )


@transaction.atomic
def payment_notify_receipt(*, payment) -> list[Delivery]:
    appointment = payment.appointment
    return deliveries_create(
        recipient=appointment.patient, message="payment_receipt", kind=f"payment_receipt_{payment.pk}",
        appointment=appointment, context={"payment_id": payment.pk},
    )


@transaction.atomic
def referral_notify_received(*, referral) -> list[Delivery]:
    """Tell the referring doctor (when they use the portal) that the practice has the referral."""
    doctor = referral.referring_doctor
    if doctor is None:
        return []
    return deliveries_create(
        recipient=doctor.user, message="referral_received", kind="referral_received", referral=referral
    )


@transaction.atomic
def delivery_resend(*, delivery: Delivery, requested_by: User) -> list[Delivery]:
    """Staff: send the same message again, as a new delivery with its own key (resend_<n>)."""
    siblings = Delivery.objects.filter(
        appointment=delivery.appointment, referral=delivery.referral, channel=delivery.channel,
        kind__startswith="resend_",
    )
    number = siblings.count() + 1
    now = timezone.now()
    preference = preference_for(delivery.recipient)
    address = dict(recipient_channels(delivery.recipient)).get(delivery.channel, "")
    for _ in range(5):
        resend = Delivery(
            appointment=delivery.appointment, referral=delivery.referral, recipient=delivery.recipient,
            kind=f"resend_{number}", message=delivery.message, channel=delivery.channel, to=address,
            due_at=_due_for(delivery.channel, preference, now), context=delivery.context,
            appointment_start=delivery.appointment.start if delivery.appointment_id else None,
            requested_by=requested_by,
        )
        resend.full_clean(validate_unique=False, validate_constraints=False)
        try:
            with transaction.atomic():
                resend.save()
        except IntegrityError:
            number += 1
            continue
        _queue_send([resend])
        return [resend]
    raise IntegrityError("Could not find a free resend number.")


def notification_send_extra_reminder(*, appointment: Appointment, requested_by: User | None) -> Delivery | None:
    """One extra reminder on the patient's channels, at most once a day per appointment.

    Returns the first delivery created, or None when the appointment is not upcoming, the patient
    has no channel, or an extra reminder went out today already.
    """
    now = timezone.now()
    if appointment.status not in UPCOMING or appointment.start <= now:
        return None
    created = deliveries_create(
        recipient=appointment.patient, message="reminder", kind=f"extra_reminder_{local(now):%Y%m%d}",
        appointment=appointment, requested_by=requested_by, context={"extra": True},
    )
    return created[0] if created else None


def reminders_plan_due(*, now: dt.datetime | None = None) -> int:
    """Create the reminder deliveries whose time has come; return how many were created.

    Offsets are hours before the start (settings.NOTIFICATIONS_REMINDER_OFFSETS_HOURS). An upcoming
    appointment gets the smallest offset whose time has come: a worker that was down catches up with
    one reminder, not a burst. A reminder time before the booking itself is skipped (the booking
    confirmation said it all). The key holds the start time, so a moved appointment is reminded of its
    new time and the old key can never match again.
    """
    now = now or timezone.now()
    offsets = sorted(set(settings.NOTIFICATIONS_REMINDER_OFFSETS_HOURS))
    created = 0
    lower = 0
    for hours in offsets:
        planned = Delivery.objects.filter(
            appointment=OuterRef("pk"), appointment_start=OuterRef("start"), kind__startswith=f"reminder_{hours}h_"
        )
        appointments = (
            Appointment.objects.filter(
                status__in=UPCOMING,
                start__gt=now + dt.timedelta(hours=lower),
                start__lte=now + dt.timedelta(hours=hours),
                requested_at__lte=F("start") - dt.timedelta(hours=hours),
            )
            .exclude(Exists(planned))
            .select_related("patient__notification_preference")
            .order_by("start", "pk")
        )
        batch: list[Delivery] = []
        for appointment in appointments.iterator(chunk_size=1000):
            for delivery in _new_deliveries(
                recipient=appointment.patient, message="reminder",
                kind=f"reminder_{hours}h_{stamp(appointment.start)}", appointment=appointment,
                context={"offset_hours": hours}, now=now,
            ):
                if delivery.due_at >= appointment.start:
                    delivery.status = Status.SKIPPED
                    delivery.error = "Quiet hours last until the appointment."
                batch.append(delivery)
            if len(batch) >= 1000:
                created += len(Delivery.objects.bulk_create(batch, ignore_conflicts=True))
                batch = []
        if batch:
            created += len(Delivery.objects.bulk_create(batch, ignore_conflicts=True))
        lower = hours
    return created


def deliveries_dispatch_due(*, now: dt.datetime | None = None) -> int:
    """Queue send tasks (in batches) for pending deliveries whose time has come and which are not
    queued already; mark deliveries stuck in "sending" as failed. Returns how many were queued."""
    from django_q.tasks import async_task

    now = now or timezone.now()
    Delivery.objects.filter(status=Status.SENDING, updated_at__lt=now - STUCK_AFTER).update(
        status=Status.FAILED, error="Interrupted while sending; not retried automatically.", updated_at=now
    )
    ids = list(
        Delivery.objects.filter(status=Status.PENDING, due_at__lte=now)
        .exclude(queued_at__gte=now - REQUEUE_AFTER)
        .order_by("due_at", "pk")
        .values_list("pk", flat=True)
    )
    for start in range(0, len(ids), SEND_BATCH):
        chunk = ids[start:start + SEND_BATCH]
        Delivery.objects.filter(pk__in=chunk).update(queued_at=now)
        async_task("portal.notifications.tasks.send_deliveries", chunk, task_name="notifications.send")
    return len(ids)


# --- Sending --------------------------------------------------------------------------


def _hold(delivery: Delivery, now: dt.datetime) -> tuple[str, str, dt.datetime | None] | None:
    """Why this delivery must not go now: (status, reason, defer_until), or None to send it."""
    appointment = delivery.appointment
    if appointment is not None and delivery.message == "reminder" and (
        appointment.status not in UPCOMING
        or appointment.start <= now
        or appointment.start != delivery.appointment_start
    ):
        return Status.CANCELLED, "The appointment was cancelled or moved.", None
    if appointment is not None and delivery.message in ("confirmation", "confirmed") and (
        appointment.status == Appointment.Status.CANCELLED
    ):
        return Status.CANCELLED, "The appointment was cancelled.", None
    recipient = delivery.recipient
    if delivery.channel == Channel.SMS:
        preference = preference_for(recipient)
        if preference.sms_opted_out or not recipient.notify_by_sms or not recipient.phone:
            return Status.SKIPPED, "The recipient turned text messages off.", None
        if preference.quiet_hours and in_quiet_hours(now, preference.quiet_start, preference.quiet_end):
            until = next_allowed(now, preference.quiet_start, preference.quiet_end)
            if delivery.message == "reminder" and appointment is not None and until >= appointment.start:
                return Status.SKIPPED, "Quiet hours last until the appointment.", None
            return Status.PENDING, "", until
    elif not recipient.notify_by_email or not recipient.email:
        return Status.SKIPPED, "The recipient turned email off.", None
    return None


def _address(delivery: Delivery) -> str:
    recipient = delivery.recipient
    if delivery.channel == Channel.SMS:
        return recipient.phone.as_e164
    return recipient.email


def delivery_send(*, delivery: Delivery) -> bool:
    """Send one delivery if it is still pending and due; True when this call sent it.

    Deliberately not one transaction: the claim must commit before the provider is called, so a
    second worker sees "sending" and leaves it alone.
    """
    now = timezone.now()
    if delivery.status != Status.PENDING or delivery.due_at > now:
        return False
    hold = _hold(delivery, now)
    if hold is not None:
        status, reason, until = hold
        pending = Delivery.objects.filter(pk=delivery.pk, status=Status.PENDING)
        if until is not None:
            pending.update(due_at=until, queued_at=None, updated_at=now)
        else:
            pending.update(status=status, error=reason, updated_at=now)
        return False
    address = _address(delivery)
    claimed = Delivery.objects.filter(pk=delivery.pk, status=Status.PENDING, due_at__lte=now).update(
        status=Status.SENDING, attempts=F("attempts") + 1, to=address, updated_at=now
    )
    if claimed != 1:
        return False  # another worker has it, or had it
    try:
        rendered = render(delivery, to=address)
        provider_id = get_channel(delivery.channel).send(rendered)
    except Exception as exc:  # noqa: BLE001 - any provider error is recorded on the delivery, then retried
        attempts = Delivery.objects.values_list("attempts", flat=True).get(pk=delivery.pk)
        final = attempts >= MAX_ATTEMPTS
        retry_at = now + RETRY_AFTER[min(attempts, len(RETRY_AFTER)) - 1]
        Delivery.objects.filter(pk=delivery.pk, status=Status.SENDING).update(
            status=Status.FAILED if final else Status.PENDING, due_at=now if final else retry_at,
            queued_at=None, error=f"{type(exc).__name__}: {exc}"[:300], updated_at=timezone.now(),
        )
        logger.warning("Delivery %s failed on attempt %s (%s)", delivery.pk, attempts, type(exc).__name__)
        return False
    done = timezone.now()
    Delivery.objects.filter(pk=delivery.pk, status=Status.SENDING).update(
        status=Status.SENT, provider_message_id=provider_id[:255], subject=rendered.subject[:200], error="",
        sent_at=done, updated_at=done,
    )
    return True


def deliveries_send(*, delivery_ids: list[int]) -> int:
    """Send the given deliveries that are still pending; return how many this call sent."""
    deliveries = (
        Delivery.objects.filter(pk__in=delivery_ids, status=Status.PENDING)
        .select_related(
            "appointment__scan_type", "appointment__room", "recipient__notification_preference", "referral"
        )
        .order_by("pk")
    )
    return sum(delivery_send(delivery=delivery) for delivery in deliveries)


# --- Provider callbacks -----------------------------------------------------------------


def delivery_record_status(*, provider_message_id: str, provider_status: str, error_code: str = "") -> int:
    """Twilio's status callback: delivered, or failed/undelivered. Returns the rows updated."""
    now = timezone.now()
    sms = Delivery.objects.filter(provider_message_id=provider_message_id, channel=Channel.SMS)
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

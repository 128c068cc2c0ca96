"""Writes of notifications: preferences, and planning deliveries (events, reminders, resends).

Exactly once starts here: a delivery row is unique on (appointment, key, channel), so a message
planned twice is one row. Sending it once is `sending.py`'s part.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.db.models import CharField, Exists, F, OuterRef
from django.db.models.constants import OnConflict
from django.db.models.functions import Cast
from django.utils import timezone

from portal.accounts.models import User
from portal.booking.models import Appointment
from portal.notifications import whatsapp
from portal.notifications.messages import KINDS, local
from portal.notifications.models import Delivery, NotificationPreference
from portal.notifications.quiet import default_quiet_hours, next_allowed

logger = logging.getLogger(__name__)

Status = Delivery.Status
Channel = Delivery.Channel
# A queued send task that has not run after this long is queued again by the sweep.
REQUEUE_AFTER = dt.timedelta(minutes=5)
SEND_BATCH = 500
UPCOMING = Appointment.UPCOMING_STATUSES


# --- Preferences ----------------------------------------------------------------------


def preference_for(user: User) -> NotificationPreference:
    """The user's saved preferences, or the defaults (unsaved) when they never chose."""
    try:
        return user.notification_preference
    except NotificationPreference.DoesNotExist:
        return NotificationPreference(user=user)


def recipient_channels(user: User) -> list[tuple[str, str]]:
    """(channel, address) pairs the user wants messages on, now. WhatsApp only while it is configured."""
    from portal.accounts.proxy import is_dependant_account

    channels = []
    if user.notify_by_email and user.email and not is_dependant_account(user):
        channels.append((Channel.EMAIL, user.email))
    if user.notify_by_sms and user.phone and not preference_for(user).sms_opted_out:
        channels.append((Channel.SMS, user.phone.as_e164))
    if user.notify_by_whatsapp and user.phone and whatsapp.is_enabled():
        channels.append((Channel.WHATSAPP, user.phone.as_e164))
    return channels


def guardians_to_notify(patient: User) -> list[User]:
    """The guardians who may act for `patient` today (issue 16.2): a dependant has no address of
    their own, so messages about their appointments go to them. An ended link (or a child come of
    age who has not granted access) gives nothing."""
    from portal.accounts.models import ProxyAccess
    from portal.accounts.proxy import is_open

    links = ProxyAccess.objects.filter(dependant=patient, ended_at__isnull=True).select_related(
        "guardian", "dependant").order_by("pk")
    return [link.guardian for link in links if is_open(link) and link.guardian.is_active]


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
    email_reminders: bool = True,
    notify_by_whatsapp: bool | None = None,
) -> NotificationPreference:
    """Save the user's channels and quiet hours. `notify_by_whatsapp` None leaves it as it is (the
    choice is offered only while WhatsApp is configured)."""
    from portal.accounts.services import user_update_profile

    if notify_by_whatsapp is not None:
        user.notify_by_whatsapp = bool(notify_by_whatsapp and user.phone)
    user_update_profile(
        user=user, first_name=user.first_name, last_name=user.last_name, phone=user.phone,
        date_of_birth=user.date_of_birth, notify_by_email=notify_by_email, notify_by_sms=notify_by_sms,
    )
    preference, _ = NotificationPreference.objects.get_or_create(user=user)
    if sms_opted_out and not preference.sms_opted_out:
        preference.sms_opted_out_at = timezone.now()
    preference.sms_opted_out = sms_opted_out
    if preference.email_reminders and not email_reminders:
        preference.email_reminders_off_at = timezone.now()
    preference.email_reminders = email_reminders
    preference.quiet_hours = quiet_hours
    preference.quiet_start = quiet_start
    preference.quiet_end = quiet_end
    preference.full_clean()
    preference.save()
    return preference


@transaction.atomic
def preference_unsubscribe_reminders(*, user: User) -> NotificationPreference:
    """One-click unsubscribe from reminder emails (List-Unsubscribe); pending reminder emails are skipped."""
    preference, _ = NotificationPreference.objects.select_for_update().get_or_create(user=user)
    if preference.email_reminders:
        preference.email_reminders = False
        preference.email_reminders_off_at = timezone.now()
        preference.full_clean()
        preference.save()
    Delivery.objects.filter(recipient=user, channel=Channel.EMAIL, kind="reminder", status=Status.PENDING).update(
        status=Status.SKIPPED, error="The recipient unsubscribed from reminder emails.", updated_at=timezone.now()
    )
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


@transaction.atomic
def whatsapp_set_opt_out(*, phone: str, opted_out: bool) -> int:
    """STOP / START on WhatsApp: WhatsApp off (or on) for every account with that number; pending
    WhatsApp messages are skipped. SMS and email are left as they are."""
    users = list(User.objects.select_for_update().filter(phone=phone, is_active=True))
    for user in users:
        wanted = not opted_out
        if user.notify_by_whatsapp != wanted:
            user.notify_by_whatsapp = wanted
            user.full_clean(exclude=["password"])
            user.save(update_fields=["notify_by_whatsapp"])
    if opted_out and users:
        Delivery.objects.filter(recipient__in=users, channel=Channel.WHATSAPP, status=Status.PENDING).update(
            status=Status.SKIPPED, error="The recipient replied STOP on WhatsApp.", updated_at=timezone.now()
        )
    return len(users)


# --- Planning -------------------------------------------------------------------------


def stamp(moment: dt.datetime) -> str:
    """A compact UTC stamp for keys: 20261128T0700Z."""
    return moment.astimezone(dt.UTC).strftime("%Y%m%dT%H%MZ")


def _due_for(channel: str, preference: NotificationPreference, due: dt.datetime) -> dt.datetime:
    if channel in (Channel.SMS, Channel.WHATSAPP) and preference.quiet_hours:
        return next_allowed(due, preference.quiet_start, preference.quiet_end)
    return due


def _new_deliveries(
    *,
    recipient: User,
    kind: str,
    key: str,
    appointment: Appointment | None = None,
    referral=None,
    waitlist_offer=None,
    context: dict | None = None,
    requested_by: User | None = None,
    now: dt.datetime,
) -> list[Delivery]:
    if kind not in KINDS:
        raise ValueError(f"Unknown message kind {kind!r}")
    preference = preference_for(recipient)
    rows = []
    for channel, address in recipient_channels(recipient):
        delivery = Delivery(
            appointment=appointment, referral=referral, waitlist_offer=waitlist_offer, recipient=recipient,
            key=key, kind=kind, channel=channel, to=address, due_at=_due_for(channel, preference, now),
            appointment_start=appointment.start if appointment is not None else None,
            context=context or {}, requested_by=requested_by,
        )
        if waitlist_offer is not None and delivery.due_at >= waitlist_offer.expires_at:
            # An offer texted after it expires is worse than none: email (if chosen) still goes.
            delivery.status, delivery.error = Status.SKIPPED, "Quiet hours last until the offer expires."
        delivery.full_clean(validate_unique=False, validate_constraints=False)  # the database decides races
        rows.append(delivery)
    return rows


def _queue_send(deliveries: Iterable[Delivery]) -> None:
    ids = [d.pk for d in deliveries if d.pk and d.status == Status.PENDING]
    if not ids:
        return
    now = timezone.now()
    Delivery.objects.filter(pk__in=ids).update(queued_at=now)

    def queue() -> None:  # the broker down: kept in the database, queued when it is back (core.enqueue)
        from portal.core.enqueue import enqueue

        enqueue("portal.notifications.tasks.send_deliveries", ids, task_name="notifications.send")

    transaction.on_commit(queue)


@transaction.atomic
def deliveries_create(
    *,
    recipient: User,
    kind: str,
    key: str,
    appointment: Appointment | None = None,
    referral=None,
    waitlist_offer=None,
    context: dict | None = None,
    requested_by: User | None = None,
    queue: bool = True,
) -> list[Delivery]:
    """Plan one message to `recipient` on each channel they want, and queue its sending (unless
    `queue` is False: the reminder job's dispatch sends them right after planning).

    Returns the deliveries created now; a (key, channel) planned before is left as it is.
    """
    now = timezone.now()
    created = []
    # A dependant's messages go to each guardian with access too, naming the dependant; each
    # guardian's key is their own, so every one of them still gets it exactly once.
    targets = [(recipient, key, context)]
    for guardian in guardians_to_notify(recipient):
        name = recipient.first_name or recipient.get_full_name() or "your family member"
        about = {**(context or {}), "dependant": name}
        targets.append((guardian, f"{key}_g{guardian.pk}", about))
    for person, person_key, person_context in targets:
        for delivery in _new_deliveries(
            recipient=person, kind=kind, key=person_key, appointment=appointment, referral=referral,
            waitlist_offer=waitlist_offer, context=person_context, requested_by=requested_by, now=now,
        ):
            if _save_once(delivery):
                created.append(delivery)
    if queue:
        _queue_send(created)
    return created


def _cancel_pending_reminders(appointment: Appointment, *, keep_start: dt.datetime | None) -> int:
    pending = Delivery.objects.filter(
        appointment=appointment, kind="reminder", status=Status.PENDING
    )
    if keep_start is not None:
        pending = pending.exclude(appointment_start=keep_start)
    return pending.update(
        status=Status.CANCELLED, error="The appointment was cancelled or moved.", updated_at=timezone.now()
    )


@transaction.atomic
def appointment_notify(*, appointment: Appointment, kind: str) -> list[Delivery]:
    """Booking confirmation, confirmed, cancellation, feedback request."""
    if kind == "cancellation":
        _cancel_pending_reminders(appointment, keep_start=None)
    return deliveries_create(recipient=appointment.patient, kind=kind, key=kind, appointment=appointment)


@transaction.atomic
def appointment_notify_rescheduled(*, appointment: Appointment, old_start: dt.datetime) -> list[Delivery]:
    """Cancel reminders planned for the old time; tell the patient the new time."""
    _cancel_pending_reminders(appointment, keep_start=appointment.start)
    return deliveries_create(
        recipient=appointment.patient, kind="reschedule", key=f"reschedule_{stamp(appointment.start)}",
        appointment=appointment, context={"old_start": old_start.isoformat()},
    )


@transaction.atomic
def report_notify_ready(*, report) -> list[Delivery]:
    appointment = report.appointment
    return deliveries_create(
        recipient=appointment.patient, kind="report_ready", key=f"report_ready_{report.pk}",
        appointment=appointment, context={"report_id": report.pk},
    )


def _save_once(delivery: Delivery) -> bool:
    """Save a planned delivery unless its send-once key is taken (then it was planned already)."""
    try:
        with transaction.atomic():
            delivery.save()
    except IntegrityError:
        return False
    return True


def _referring_readers(report) -> list[tuple]:
    """(referral, doctor) for each registered referring doctor of the report's appointment who may
    read it (verified, their referral on that appointment)."""
    from portal.accounts.permissions import can
    from portal.referrals.models import Referral

    referrals = Referral.objects.filter(appointment_id=report.appointment_id, referring_doctor__isnull=False
                                        ).select_related("referring_doctor__user", "scan_type")
    return [(referral, referral.referring_doctor.user) for referral in referrals
            if can(referral.referring_doctor.user, "reports.read", report)]


@transaction.atomic
def report_notify_referrers(*, report) -> list[Delivery]:
    """Tell each referring doctor who may read the signed report (verified, on the portal) that it is
    ready: at signing, before any release delay for the patient. The message names the referral and
    the scan, never the patient (email and SMS are not private enough for that)."""
    created = []
    for referral, doctor in _referring_readers(report):
        created += deliveries_create(
            recipient=doctor, kind="referral_report_ready", key=f"report_ready_{report.pk}",
            referral=referral, context={"report_id": report.pk, "amended": bool(report.supersedes_id)},
        )
    return created


@transaction.atomic
def report_notify_critical(*, report) -> list[Delivery]:
    """The urgent notice of a critical finding to each referring doctor who may read the report: email
    and SMS to whatever address they have (their routine-message choices and quiet hours do not hold
    it back; a STOP still does). Once per report version (its key). The doctor acknowledges it on the
    report page; reports escalates it when they do not."""
    if not report.critical_finding:
        return []
    now = timezone.now()
    created = []
    for referral, doctor in _referring_readers(report):
        addresses = []
        if doctor.email:
            addresses.append((Channel.EMAIL, doctor.email))
        if doctor.phone and not preference_for(doctor).sms_opted_out:
            addresses.append((Channel.SMS, doctor.phone.as_e164))
        for channel, address in addresses:
            delivery = Delivery(
                referral=referral, recipient=doctor, key=f"critical_finding_{report.pk}", kind="critical_finding",
                channel=channel, to=address, due_at=now, context={"report_id": report.pk},
            )
            delivery.full_clean(validate_unique=False, validate_constraints=False)
            if _save_once(delivery):
                created.append(delivery)
    _queue_send(created)
    return created


@transaction.atomic
def waitlist_notify_offer(*, offer, kind: str = "waitlist_offer") -> list[Delivery]:
    """Tell a waiting patient about a freed slot (or, kindly, that someone else booked it first)."""
    context = {"offer_id": offer.pk, "offer_start": offer.start.isoformat(),
               "offer_expires": offer.expires_at.isoformat(), "offer_scan": offer.entry.scan_type.name}
    return deliveries_create(recipient=offer.entry.patient, kind=kind, key=kind, waitlist_offer=offer,
                             context=context)


def payment_notify_receipt(*, payment) -> list[Delivery]:
    appointment = payment.appointment
    return deliveries_create(
        recipient=appointment.patient, kind="payment_receipt", key=f"payment_receipt_{payment.pk}",
        appointment=appointment, context={"payment_id": payment.pk},
    )


@transaction.atomic
def referral_notify_received(*, referral) -> list[Delivery]:
    """Tell the referring doctor (when they use the portal) that the practice has the referral."""
    doctor = referral.referring_doctor
    if doctor is None:
        return []
    return deliveries_create(
        recipient=doctor.user, kind="referral_received", key="referral_received", referral=referral
    )


@transaction.atomic
def delivery_resend(*, delivery: Delivery, requested_by: User) -> list[Delivery]:
    """Staff: send the same message again, as a new delivery with its own key (resend_<n>)."""
    siblings = Delivery.objects.filter(
        appointment=delivery.appointment, referral=delivery.referral, channel=delivery.channel,
        key__startswith="resend_",
    )
    number = siblings.count() + 1
    now = timezone.now()
    preference = preference_for(delivery.recipient)
    address = dict(recipient_channels(delivery.recipient)).get(delivery.channel, "")
    for _ in range(5):
        resend = Delivery(
            appointment=delivery.appointment, referral=delivery.referral, recipient=delivery.recipient,
            key=f"resend_{number}", kind=delivery.kind, channel=delivery.channel, to=address,
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
        recipient=appointment.patient, kind="reminder", key=f"extra_reminder_{local(now):%Y%m%d}",
        appointment=appointment, requested_by=requested_by, context={"extra": True},
    )
    return created[0] if created else None


_PLAN_FIELDS = (
    "pk", "start", "patient_id", "patient__email", "patient_phone", "patient__notify_by_email",
    "patient__notify_by_sms", "patient__notification_preference__sms_opted_out",
    "patient__notification_preference__quiet_hours", "patient__notification_preference__quiet_start",
    "patient__notification_preference__quiet_end", "patient__notify_by_whatsapp",
)


_PLANNED_COLUMNS = (
    "created_at", "updated_at", "appointment_id", "recipient_id", "key", "kind", "channel", "status", "due_at",
    "appointment_start", "context", "to", "error",
)


def _insert_planned(rows: list[tuple]) -> int:
    """INSERT many planned deliveries with one prepared statement; rows whose key exists are dropped
    by the database (INSERT OR IGNORE / ON CONFLICT DO NOTHING). Returns the rows offered."""
    if not rows:
        return 0
    quote = connection.ops.quote_name
    columns = (*_PLANNED_COLUMNS, "claim", "subject", "provider_message_id", "attempts")
    fields = [Delivery._meta.get_field(name.removesuffix("_id")) for name in _PLANNED_COLUMNS]
    sql = "{insert} {table} ({columns}) VALUES ({values}){suffix}".format(
        insert=connection.ops.insert_statement(on_conflict=OnConflict.IGNORE),
        table=quote(Delivery._meta.db_table),
        columns=", ".join(quote(column) for column in columns),
        values=", ".join(["%s"] * len(_PLANNED_COLUMNS) + ["''", "''", "''", "0"]),
        suffix=connection.ops.on_conflict_suffix_sql(fields, OnConflict.IGNORE, None, None) or "",
    )
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.executemany(sql, rows)
    return len(rows)


def reminders_plan_due(*, now: dt.datetime | None = None) -> int:
    """Create the reminder deliveries whose time has come; return how many were planned.

    A dependant's reminders go to their guardians (`deliveries_create`, after the batch: they are few).
    Offsets are hours before the start (settings.NOTIFICATIONS_REMINDER_OFFSETS_HOURS). An upcoming
    appointment gets the smallest offset whose time has come: a worker that was down catches up with
    one reminder, not a burst. A reminder time before the booking itself is skipped (the booking
    confirmation said it all). The key holds the start time, so a moved appointment is reminded of its
    new time and the old key can never match again. Built from plain rows (no model instances) and
    inserted in batches; the unique constraint drops any row planned already.
    """
    now = now or timezone.now()
    offsets = sorted(set(settings.NOTIFICATIONS_REMINDER_OFFSETS_HOURS))
    default_start, default_end = default_quiet_hours()
    created = 0
    lower = 0
    for hours in offsets:
        planned = Delivery.objects.filter(
            appointment=OuterRef("pk"), appointment_start=OuterRef("start"), key__startswith=f"reminder_{hours}h_"
        )
        rows = (
            Appointment.objects.filter(
                status__in=UPCOMING,
                start__gt=now + dt.timedelta(hours=lower),
                start__lte=now + dt.timedelta(hours=hours),
                requested_at__lte=F("start") - dt.timedelta(hours=hours),
            )
            .exclude(Exists(planned))
            .annotate(patient_phone=Cast("patient__phone", output_field=CharField()))
            .order_by("start", "pk")
            .values_list(*_PLAN_FIELDS)
        )
        adapt = connection.ops.adapt_datetimefield_value
        context = Delivery._meta.get_field("context").get_db_prep_save({"offset_hours": hours}, connection)
        batch: list[tuple] = []
        whatsapp_on = whatsapp.is_enabled()
        for (pk, start, patient_id, email, phone, by_email, by_sms, opted_out, quiet, q_start, q_end,
             by_whatsapp) in rows.iterator(chunk_size=2000):
            key = f"reminder_{hours}h_{stamp(start)}"
            channels = []
            if by_email and email:
                channels.append((Channel.EMAIL, email, now))
            if quiet is None:
                quiet, q_start, q_end = True, default_start, default_end
            text_due = next_allowed(now, q_start, q_end) if quiet else now
            if by_sms and phone and not opted_out:
                channels.append((Channel.SMS, phone, text_due))
            if by_whatsapp and phone and whatsapp_on:
                channels.append((Channel.WHATSAPP, phone, text_due))
            for channel, address, due in channels:
                skipped = due >= start
                batch.append((
                    adapt(now), adapt(now), pk, patient_id, key, "reminder", channel,
                    Status.SKIPPED if skipped else Status.PENDING, adapt(due), adapt(start), context, address,
                    "Quiet hours last until the appointment." if skipped else "",
                ))
            if len(batch) >= 1000:
                created += _insert_planned(batch)
                batch = []
        created += _insert_planned(batch)
        created += _plan_guardian_reminders(hours=hours, lower=lower, now=now)
        lower = hours
    return created


def _plan_guardian_reminders(*, hours: int, lower: int, now: dt.datetime) -> int:
    """The reminders of dependants' appointments in this offset's window, to their guardians."""
    from portal.accounts.models import ProxyAccess

    guardian_planned = Delivery.objects.filter(
        appointment=OuterRef("pk"), appointment_start=OuterRef("start"), key__startswith=f"reminder_{hours}h_"
    ).exclude(recipient=OuterRef("patient"))
    appointments = (
        Appointment.objects.filter(
            status__in=UPCOMING,
            start__gt=now + dt.timedelta(hours=lower),
            start__lte=now + dt.timedelta(hours=hours),
            requested_at__lte=F("start") - dt.timedelta(hours=hours),
        )
        .filter(Exists(ProxyAccess.objects.filter(dependant=OuterRef("patient"), ended_at__isnull=True)))
        .exclude(Exists(guardian_planned))
        .select_related("patient")
        .order_by("start", "pk")
    )
    created = 0
    for appointment in appointments:
        created += len(deliveries_create(
            recipient=appointment.patient, kind="reminder", key=f"reminder_{hours}h_{stamp(appointment.start)}",
            appointment=appointment, context={"offset_hours": hours}, queue=False,
        ))
    return created


def stuck_after() -> dt.timedelta:
    """How long a delivery may stay "sending" before its sender counts as dead (a killed worker):
    settings.NOTIFICATIONS_STUCK_MINUTES (default 10; a fault drill uses a fraction of a minute)."""
    return dt.timedelta(minutes=settings.NOTIFICATIONS_STUCK_MINUTES)


def deliveries_release_stuck(*, now: dt.datetime | None = None) -> tuple[int, int]:
    """Deliveries a sender claimed and never finished (its worker was killed), once no row of its claim
    has moved for `stuck_after()`: those it never began to hand to the provider go back to pending, to
    be sent by the next run;
    the one it was handing over (at most one per killed sender) may or may not have reached the
    provider, so it is marked failed for staff to check rather than risk a second message.
    Returns (released, failed)."""
    now = now or timezone.now()
    cutoff = now - stuck_after()
    # A sender that is still working stamps the message it hands over (updated_at) every time: while
    # any row of its claim is that fresh, its waiting rows are not stuck, however old the claim is.
    live = Delivery.objects.filter(status=Status.SENDING, updated_at__gte=cutoff).exclude(claim="").values("claim")
    stuck = Delivery.objects.filter(status=Status.SENDING, updated_at__lt=cutoff).exclude(claim__in=live)
    failed = stuck.filter(handed_at__isnull=False).update(
        status=Status.FAILED, claim="", updated_at=now,
        error="Interrupted while being handed to the provider; it may have been sent. Not retried automatically.",
    )
    released = stuck.filter(handed_at__isnull=True).update(
        status=Status.PENDING, claim="", queued_at=None, due_at=now, updated_at=now
    )
    if released or failed:
        logger.warning("Released %s stuck deliveries to pending; %s in flight marked failed", released, failed)
    return released, failed


def deliveries_dispatch_due(*, now: dt.datetime | None = None) -> int:
    """Queue send tasks (in batches) for pending deliveries whose time has come and which are not
    queued already, after releasing deliveries stuck in "sending". Returns how many were queued."""
    from django_q.tasks import async_task

    now = now or timezone.now()
    deliveries_release_stuck(now=now)
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

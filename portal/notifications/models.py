"""Who wants which messages, and every message the practice sends (the delivery log).

A `Delivery` is one message to one person on one channel. Its `kind` says which message it is
("reminder"); its `key` is the exactly-once key: the database refuses a second row with the same
(appointment, key, channel), and a reminder's key carries its offset and the appointment time it was
planned for ("reminder_24h_20261128T0700Z"), so a moved appointment gets fresh reminders while the
old ones can never go out.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import models

from portal.booking.models import Appointment
from portal.core.models import TimeStampedModel
from portal.referrals.models import Referral
from portal.waitlist.models import WaitlistOffer


def _default_quiet_start() -> dt.time:
    from portal.notifications.quiet import default_quiet_hours

    return default_quiet_hours()[0]


def _default_quiet_end() -> dt.time:
    from portal.notifications.quiet import default_quiet_hours

    return default_quiet_hours()[1]


class NotificationPreference(TimeStampedModel):
    """A person's SMS opt-out and quiet hours (for SMS and WhatsApp). The channels themselves are on
    the user (`notify_by_email`, `notify_by_sms`, `notify_by_whatsapp`)."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notification_preference"
    )
    sms_opted_out = models.BooleanField(
        "no text messages at all", default=False, help_text="Set when you reply STOP; reply START to undo."
    )
    sms_opted_out_at = models.DateTimeField(null=True, blank=True)
    quiet_hours = models.BooleanField("quiet hours", default=True, help_text="No text messages at night.")
    quiet_start = models.TimeField("quiet from", default=_default_quiet_start)
    quiet_end = models.TimeField("quiet until", default=_default_quiet_end)
    # Off through a reminder email's one-click unsubscribe (List-Unsubscribe) or the preferences page.
    email_reminders = models.BooleanField("email reminders", default=True,
                                          help_text="Reminder emails before each appointment.")
    email_reminders_off_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "notification preference"

    def __str__(self) -> str:
        return f"Notification preferences of user #{self.user_id}"


class Delivery(TimeStampedModel):
    """One message to one person on one channel, and what became of it."""

    class Channel(models.TextChoices):
        EMAIL = "email", "Email"
        SMS = "sms", "SMS"
        WHATSAPP = "whatsapp", "WhatsApp"

    class Status(models.TextChoices):
        PENDING = "pending", "Waiting"
        SENDING = "sending", "Sending"
        SENT = "sent", "Sent"
        DELIVERED = "delivered", "Delivered"
        FAILED = "failed", "Failed"
        CANCELLED = "cancelled", "Not sent (no longer applies)"
        SKIPPED = "skipped", "Not sent"

    appointment = models.ForeignKey(
        Appointment, null=True, blank=True, on_delete=models.CASCADE, related_name="deliveries"
    )
    referral = models.ForeignKey(Referral, null=True, blank=True, on_delete=models.CASCADE, related_name="deliveries")
    waitlist_offer = models.ForeignKey(WaitlistOffer, null=True, blank=True, on_delete=models.CASCADE,
                                       related_name="deliveries")
    recipient = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="deliveries")
    key = models.CharField(max_length=60, help_text="The exactly-once key, e.g. reminder_24h_20261128T0700Z.")
    kind = models.CharField(max_length=30, help_text="Which message (template) this is, e.g. reminder.")
    channel = models.CharField(max_length=10, choices=Channel.choices)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING, db_index=True)
    due_at = models.DateTimeField(db_index=True, help_text="Not sent before this time (quiet hours, retries).")
    appointment_start = models.DateTimeField(
        null=True, blank=True, help_text="The appointment time this message was planned for."
    )
    context = models.JSONField(default=dict, blank=True)
    queued_at = models.DateTimeField(null=True, blank=True, help_text="When a send task was last queued for it.")
    claim = models.CharField(max_length=32, blank=True, db_index=True, help_text="The sender holding it.")
    attempts = models.PositiveSmallIntegerField(default=0)
    handed_at = models.DateTimeField(
        null=True, blank=True,
        help_text="When the sender began handing it to the provider; set only on the one message in flight.",
    )
    to = models.CharField(max_length=254, blank=True)
    subject = models.CharField(max_length=200, blank=True)
    provider_message_id = models.CharField(max_length=255, blank=True, db_index=True)
    error = models.CharField(max_length=300, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
        help_text="The staff member who asked for it (resends, extra reminders).",
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name_plural = "deliveries"
        permissions = [("resend_delivery", "Can resend a message to a patient")]
        indexes = [models.Index(fields=["status", "due_at"])]
        constraints = [
            models.UniqueConstraint(
                fields=["appointment", "key", "channel"],
                condition=models.Q(appointment__isnull=False),
                name="delivery_once_per_appointment_key_channel",
            ),
            models.UniqueConstraint(
                fields=["referral", "key", "channel"],
                condition=models.Q(referral__isnull=False),
                name="delivery_once_per_referral_key_channel",
            ),
            models.UniqueConstraint(
                fields=["waitlist_offer", "key", "channel"],
                condition=models.Q(waitlist_offer__isnull=False),
                name="delivery_once_per_waitlist_offer_key_channel",
            ),
            models.CheckConstraint(
                condition=models.Q(appointment__isnull=False) | models.Q(referral__isnull=False)
                | models.Q(waitlist_offer__isnull=False),
                name="delivery_about_something",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.key} by {self.channel} ({self.status})"

    @property
    def label(self) -> str:
        return KIND_LABELS.get(self.kind, self.kind.replace("_", " ").capitalize())

    @property
    def is_resend(self) -> bool:
        return self.key.startswith("resend_")


KIND_LABELS = {
    "confirmation": "Booking confirmation",
    "confirmed": "Appointment confirmed",
    "reminder": "Reminder",
    "cancellation": "Cancellation",
    "reschedule": "New time",
    "report_ready": "Report ready",
    "feedback_request": "Feedback request",
    "referral_received": "Referral received",
    "referral_report_ready": "Report ready (referring doctor)",
    "payment_receipt": "Payment receipt",
    "waitlist_offer": "Waitlist offer",
    "waitlist_taken": "Waitlist offer taken",
    "critical_finding": "Critical finding (urgent, referring doctor)",
}


class AttendanceReply(TimeStampedModel):
    """A patient's text answer about an appointment: who answered, by which channel, and what it did.

    A "YES" confirms attendance only; it never moves a booking out of reception's or a
    radiologist's check (a requested appointment stays requested, recorded as `AWAITING_CHECK`)."""

    class Channel(models.TextChoices):
        SMS = "sms", "SMS"
        WHATSAPP = "whatsapp", "WhatsApp"

    class Outcome(models.TextChoices):
        ATTENDING = "attending", "Will attend"
        AWAITING_CHECK = "awaiting_check", "Will attend; booking still awaits the practice's check"
        CANCELLED = "cancelled", "Cancelled by reply"

    appointment = models.ForeignKey(Appointment, on_delete=models.CASCADE, related_name="attendance_replies")
    patient = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    channel = models.CharField(max_length=10, choices=Channel.choices)
    outcome = models.CharField(max_length=20, choices=Outcome.choices)
    provider_message_id = models.CharField(max_length=255, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.get_outcome_display()} by {self.channel} (appointment {self.appointment_id})"

"""The waitlist: patients waiting for an earlier or any time for a scan, and the timed offers made
to them when a slot frees up. The first to accept (and book) wins; the others stay on the list."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models

from portal.booking.models import Appointment, Room
from portal.catalogue.models import ScanType
from portal.core.models import TimeStampedModel


class WaitlistEntry(TimeStampedModel):
    """One patient waiting for one scan type within a date range (join order = created_at, pk)."""

    class TimeOfDay(models.TextChoices):
        ANY = "any", "Any time"
        MORNING = "morning", "Mornings (before 12:00)"
        AFTERNOON = "afternoon", "Afternoons (from 12:00)"

    class Status(models.TextChoices):
        WAITING = "waiting", "Waiting"
        BOOKED = "booked", "Booked from the waitlist"
        LEFT = "left", "Left the waitlist"

    patient = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="waitlist_entries")
    scan_type = models.ForeignKey(ScanType, on_delete=models.PROTECT, related_name="waitlist_entries")
    earliest = models.DateField("from")
    latest = models.DateField("until")
    time_of_day = models.CharField(max_length=10, choices=TimeOfDay.choices, default=TimeOfDay.ANY)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.WAITING, db_index=True)
    # "Tell me if something earlier opens": booking from the waitlist moves this appointment.
    replaces = models.ForeignKey(Appointment, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    booked_appointment = models.ForeignKey(Appointment, null=True, blank=True, on_delete=models.SET_NULL,
                                           related_name="+")

    class Meta:
        ordering = ["created_at", "pk"]
        verbose_name_plural = "waitlist entries"
        permissions = [("manage_waitlist", "Can see the waitlist and offer slots by hand")]
        constraints = [
            models.CheckConstraint(condition=models.Q(latest__gte=models.F("earliest")),
                                   name="waitlist_latest_after_earliest"),
        ]

    def __str__(self) -> str:
        return f"{self.scan_type} from {self.earliest} to {self.latest} ({self.get_status_display()})"

    def clean(self) -> None:
        super().clean()
        if self.earliest and self.latest and self.latest < self.earliest:
            raise ValidationError({"latest": "The last day cannot be before the first day."})


class WaitlistOffer(TimeStampedModel):
    """A freed slot offered to one waiting patient, open until `expires_at`."""

    class Status(models.TextChoices):
        OPEN = "open", "Open"
        ACCEPTED = "accepted", "Accepted and booked"
        TAKEN = "taken", "Taken by someone else"
        EXPIRED = "expired", "Expired"
        DECLINED = "declined", "Declined"

    entry = models.ForeignKey(WaitlistEntry, on_delete=models.CASCADE, related_name="offers")
    room = models.ForeignKey(Room, on_delete=models.CASCADE, related_name="+")
    start = models.DateTimeField(db_index=True)
    expires_at = models.DateTimeField(db_index=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN, db_index=True)
    responded_at = models.DateTimeField(null=True, blank=True)
    appointment = models.ForeignKey(Appointment, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    offered_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+", help_text="The staff member who offered it by hand.")

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            # One offer of one slot to one entry, ever: a slot passes on, never back.
            models.UniqueConstraint(fields=["entry", "start"], name="waitlist_offer_once_per_entry_start"),
        ]

    def __str__(self) -> str:
        return f"Offer of {self.start:%Y-%m-%d %H:%M} to entry #{self.entry_id} ({self.status})"

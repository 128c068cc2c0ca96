"""Rooms, their hours and closures, and appointments.

An appointment moves requested -> confirmed -> checked_in -> completed, or to cancelled / no_show;
each transition is made by one service function (services.py) and stamps its time.
"""

from __future__ import annotations

import datetime as dt
import secrets
import uuid
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models
from django.utils import timezone
from simple_history.models import HistoricalRecords

from portal.catalogue.models import Modality, Plan, ScanType
from portal.core.models import TimeStampedModel

# --- Imaging identifiers (issue 14) ---------------------------------------------------------
# Every appointment carries, from booking, the two identifiers the scanner copies into its images:
# the accession number (DICOM SH, at most 16 characters) and the StudyInstanceUID (DICOM UI).
_ACCESSION_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"  # Crockford's base 32: no I, L, O, U


def new_accession_number() -> str:
    """A random accession number like "RA7K2M9QX4HT0B": "RA" and twelve base-32 characters (60 bits:
    a collision among ten million appointments has a chance of about 4 in 100,000)."""
    return "RA" + "".join(secrets.choice(_ACCESSION_ALPHABET) for _ in range(12))


def new_study_instance_uid() -> str:
    """A StudyInstanceUID under the UUID-derived root 2.25 (PS3.5 B.2): unique without a registered root."""
    return f"2.25.{uuid.uuid4().int}"


class Room(TimeStampedModel):
    """A scanning room with one modality (e.g. "CT 1")."""

    name = models.CharField(max_length=80, unique=True)
    modality = models.CharField(max_length=10, choices=Modality.choices, db_index=True)
    active = models.BooleanField(default=True)
    # The room's scanner on the DICOM network: it asks the worklist with this calling AE title.
    ae_title = models.CharField(
        "modality AE title", max_length=16, blank=True,
        validators=[RegexValidator(r"^[A-Z0-9_ -]*$", "Use capital letters, digits, spaces, - and _ only.")],
        help_text="The scanner's DICOM AE title (up to 16 characters), e.g. CT1. Empty: no worklist for this room.",
    )
    station_name = models.CharField(max_length=16, blank=True,
                                    help_text="The scanner's DICOM station name (up to 16 characters).")

    class Meta:
        ordering = ["modality", "name"]
        constraints = [
            models.UniqueConstraint(fields=["ae_title"], condition=~models.Q(ae_title=""), name="room_unique_ae_title"),
        ]

    def __str__(self) -> str:
        return self.name


class OpeningHours(models.Model):
    """A room's weekly hours: open on `weekday` from `opens` to `closes` (practice time zone)."""

    class Weekday(models.IntegerChoices):
        MONDAY = 0, "Monday"
        TUESDAY = 1, "Tuesday"
        WEDNESDAY = 2, "Wednesday"
        THURSDAY = 3, "Thursday"
        FRIDAY = 4, "Friday"
        SATURDAY = 5, "Saturday"
        SUNDAY = 6, "Sunday"

    room = models.ForeignKey(Room, on_delete=models.CASCADE, related_name="opening_hours")
    weekday = models.PositiveSmallIntegerField(choices=Weekday.choices)
    opens = models.TimeField()
    closes = models.TimeField()

    class Meta:
        ordering = ["room", "weekday", "opens"]
        verbose_name_plural = "opening hours"
        constraints = [
            models.CheckConstraint(condition=models.Q(closes__gt=models.F("opens")), name="hours_close_after_open")
        ]

    def __str__(self) -> str:
        return f"{self.room}: {self.get_weekday_display()} {self.opens:%H:%M}-{self.closes:%H:%M}"

    def clean(self) -> None:
        super().clean()
        if self.opens and self.closes and self.closes <= self.opens:
            raise ValidationError({"closes": "Closing time must be after opening time."})


class Closure(models.Model):
    """Days a room (or, with no room, the whole practice) is closed: holidays, maintenance."""

    room = models.ForeignKey(Room, null=True, blank=True, on_delete=models.CASCADE, related_name="closures",
                             help_text="Leave empty to close the whole practice.")
    start_date = models.DateField()
    end_date = models.DateField()
    reason = models.CharField(max_length=200)

    class Meta:
        ordering = ["start_date"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(end_date__gte=models.F("start_date")), name="closure_end_after_start"
            )
        ]

    def __str__(self) -> str:
        where = self.room.name if self.room_id else "Whole practice"
        return f"{where}: {self.start_date} to {self.end_date} ({self.reason})"

    def clean(self) -> None:
        super().clean()
        if self.start_date and self.end_date and self.end_date < self.start_date:
            raise ValidationError({"end_date": "The last day cannot be before the first day."})


class AppointmentQuerySet(models.QuerySet):
    def active(self) -> AppointmentQuerySet:
        """Appointments that hold their room's time (Appointment.holds_slot)."""
        return self.filter(status__in=Appointment.ACTIVE_STATUSES)

    def upcoming(self, *, now: dt.datetime | None = None) -> AppointmentQuerySet:
        """Requested or confirmed appointments that start from `now` on (default: this moment)."""
        return self.filter(status__in=Appointment.UPCOMING_STATUSES, start__gte=now or timezone.now())


class Appointment(TimeStampedModel):
    class Status(models.TextChoices):
        REQUESTED = "requested", "Requested"
        CONFIRMED = "confirmed", "Confirmed"
        CHECKED_IN = "checked_in", "Checked in"
        COMPLETED = "completed", "Completed"
        CANCELLED = "cancelled", "Cancelled"
        NO_SHOW = "no_show", "Did not attend"

    # Hold their room's time (the one-per-slot constraint and availability count them).
    ACTIVE_STATUSES = (Status.REQUESTED, Status.CONFIRMED, Status.CHECKED_IN, Status.COMPLETED)
    # Still to come: what reminders, "upcoming" lists and online changes look at.
    UPCOMING_STATUSES = (Status.REQUESTED, Status.CONFIRMED)

    patient = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="appointments")
    scan_type = models.ForeignKey(ScanType, on_delete=models.PROTECT, related_name="appointments")
    room = models.ForeignKey(Room, on_delete=models.PROTECT, related_name="appointments")
    start = models.DateTimeField(db_index=True)
    end = models.DateTimeField()
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.REQUESTED, db_index=True)
    accession_number = models.CharField(max_length=16, unique=True, default=new_accession_number, editable=False)
    study_instance_uid = models.CharField("StudyInstanceUID", max_length=64, unique=True,
                                          default=new_study_instance_uid, editable=False)

    # The transitions, stamped by the services (analytics reads them).
    requested_at = models.DateTimeField()
    confirmed_at = models.DateTimeField(null=True, blank=True)
    checked_in_at = models.DateTimeField(null=True, blank=True)
    completed_at = models.DateTimeField(null=True, blank=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)
    no_show_at = models.DateTimeField(null=True, blank=True)

    # The price and quote as booked: a later catalogue edit never rewrites them.
    price = models.DecimalField(max_digits=10, decimal_places=2)
    plan = models.ForeignKey(Plan, null=True, blank=True, on_delete=models.PROTECT, related_name="+",
                             help_text="Medical-aid plan at booking; empty for self-pay.")
    member_number = models.CharField(max_length=40, blank=True)
    covered_amount = models.DecimalField(max_digits=10, decimal_places=2, default=Decimal("0"))
    co_payment = models.DecimalField(max_digits=10, decimal_places=2, default=Decimal("0"))
    patient_amount = models.DecimalField(max_digits=10, decimal_places=2,
                                         help_text="What the patient pays (shortfall + co-payment).")

    # Safety screening: the answers as given, and whether a radiologist must review them.
    screening_answers = models.JSONField(default=dict, blank=True)
    needs_review = models.BooleanField(default=False)
    reviewed_at = models.DateTimeField(null=True, blank=True)
    reviewed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+")

    booked_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    cancellation_reason = models.CharField(max_length=300, blank=True)
    cancelled_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                     related_name="+")
    notes = models.TextField(blank=True, help_text="Staff notes.")

    objects = AppointmentQuerySet.as_manager()
    # Row history (before/after of every save, with the acting user): the managers' audit screen.
    history = HistoricalRecords()

    class Meta:
        ordering = ["start"]
        # The staff's actions (portal/booking/rules.py asks them; migration 0010 gives them to the roles).
        permissions = [
            ("book_for_patient", "Can book an appointment for a patient"),
            ("view_worklist", "Can see the worklist of appointments"),
            ("confirm_appointment", "Can confirm an appointment"),
            ("check_in_appointment", "Can check a patient in"),
            ("complete_appointment", "Can mark a scan complete"),
            ("no_show_appointment", "Can mark an appointment as not attended"),
            ("cancel_appointment", "Can cancel any patient's appointment"),
            ("move_appointment", "Can move any patient's appointment"),
            ("review_appointment", "Can review an appointment's safety answers"),
        ]
        indexes = [
            models.Index(fields=["room", "start"]),
            models.Index(fields=["patient", "start"]),
            models.Index(fields=["status", "start"]),
        ]
        constraints = [
            models.CheckConstraint(condition=models.Q(end__gt=models.F("start")), name="appointment_end_after_start"),
            # Backstop on every database: one active appointment per room and start time.
            # (PostgreSQL also gets an exclusion constraint on overlapping time ranges.)
            models.UniqueConstraint(
                fields=["room", "start"],
                condition=models.Q(status__in=["requested", "confirmed", "checked_in", "completed"]),
                name="appointment_one_active_per_room_start",
            ),
            models.CheckConstraint(
                condition=models.Q(patient_amount__gte=0, covered_amount__gte=0, price__gte=0),
                name="appointment_money_not_negative",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.scan_type} on {self.start:%Y-%m-%d %H:%M}"

    @property
    def holds_slot(self) -> bool:
        """Does this appointment hold its room's time: booked, under way or done (a completed visit
        too); not cancelled or missed. (Was `is_active`, which read as "still to come"; that is
        `is_upcoming`.)"""
        return self.status in self.ACTIVE_STATUSES

    @property
    def is_upcoming(self) -> bool:
        """Requested or confirmed: still to come (its start may have passed unmarked)."""
        return self.status in self.UPCOMING_STATUSES


class MedicalAidMembership(TimeStampedModel):
    """A patient's saved medical-aid membership, offered again at the next booking."""

    patient = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                                   related_name="medical_aid_membership")
    plan = models.ForeignKey(Plan, on_delete=models.PROTECT, related_name="+")
    member_number = models.CharField(max_length=40)

    class Meta:
        verbose_name = "medical-aid membership"

    def __str__(self) -> str:
        return f"{self.plan} ({self.member_number})"

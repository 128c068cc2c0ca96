"""Referral letters: private files, linked to a patient, optionally to the referring doctor and the
appointment they led to.

A referral a doctor sends through the portal has no patient until the owner of the email address the
doctor gave accepts its invitation (`ReferralInvitation`), whether or not that address has an account
(issue 13, item 11): until then it waits (`AWAITING_PATIENT`) and keeps the name and date of birth as
the doctor typed them, which reception compares with the account after acceptance."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from simple_history.models import HistoricalRecords

from portal.accounts.models import ReferringDoctor
from portal.booking.models import Appointment
from portal.catalogue.models import ScanType
from portal.core.files import PrivateUploadTo, private_storage
from portal.core.models import TimeStampedModel


class Referral(TimeStampedModel):
    class Status(models.TextChoices):
        AWAITING_PATIENT = "awaiting", "Waiting for the patient to accept"
        RECEIVED = "received", "Received"
        BOOKED = "booked", "Booked"
        SCANNED = "scanned", "Scanned"
        REPORTED = "reported", "Reported"
        CANCELLED = "cancelled", "Cancelled"

    patient = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="referrals",
        help_text="Empty while a doctor's referral waits for the patient to accept its invitation.",
    )
    patient_first_name = models.CharField(max_length=150, blank=True, help_text="As the referring doctor typed it.")
    patient_last_name = models.CharField(max_length=150, blank=True, help_text="As the referring doctor typed it.")
    patient_date_of_birth = models.DateField(null=True, blank=True, help_text="As the referring doctor typed it.")
    referring_doctor = models.ForeignKey(
        ReferringDoctor, null=True, blank=True, on_delete=models.PROTECT, related_name="referrals",
        help_text="The doctor who referred, when known to the portal.",
    )
    doctor_name = models.CharField(max_length=150, blank=True, help_text="As written on the letter.")
    appointment = models.ForeignKey(
        Appointment, null=True, blank=True, on_delete=models.SET_NULL, related_name="referrals"
    )
    scan_type = models.ForeignKey(ScanType, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    clinical_notes = models.TextField(blank=True)
    icd10_codes = models.JSONField(
        default=list, blank=True, help_text="The ICD-10 diagnosis codes of the referral (checked against ICD-10)."
    )
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.RECEIVED, db_index=True)
    file = models.FileField(storage=private_storage, upload_to=PrivateUploadTo("referrals"), max_length=200)
    original_name = models.CharField(max_length=200, blank=True, help_text="The uploaded file's name, for display.")
    content_type = models.CharField(max_length=50)
    size = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")

    history = HistoricalRecords()  # row history for the managers' audit screen

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"Referral #{self.pk} for {self.patient or 'a patient yet to accept'}"

    @property
    def referred_name(self) -> str:
        """The patient's name as the doctor gave it (the account's for letters uploaded otherwise)."""
        typed = f"{self.patient_first_name} {self.patient_last_name}".strip()
        if typed or self.patient is None:
            return typed
        return self.patient.get_full_name() or self.patient.email

    @property
    def referred_date_of_birth(self):
        if self.patient_date_of_birth or self.patient is None:
            return self.patient_date_of_birth
        return self.patient.date_of_birth

    def details_mismatch(self) -> list[str]:
        """Where the name or date of birth the doctor typed differs from the accepting patient's
        account, for reception to check (never shown to the doctor)."""
        typed_any = self.patient_first_name or self.patient_last_name or self.patient_date_of_birth
        if self.patient is None or not typed_any:
            return []
        found = []
        typed = " ".join(f"{self.patient_first_name} {self.patient_last_name}".split())
        account = " ".join(self.patient.get_full_name().split())
        if typed.casefold() != account.casefold():
            found.append(f"name on the referral \u201c{typed}\u201d, on the account \u201c{account}\u201d")
        if self.patient_date_of_birth != self.patient.date_of_birth:
            on_referral = f"{self.patient_date_of_birth:%-d %b %Y}" if self.patient_date_of_birth else "none"
            on_account = f"{self.patient.date_of_birth:%-d %b %Y}" if self.patient.date_of_birth else "none"
            found.append(f"date of birth on the referral {on_referral}, on the account {on_account}")
        return found


class ReferralInvitation(TimeStampedModel):
    """The invitation to accept a doctor's referral, emailed to the address the doctor gave. Only a
    SHA-256 of its one-time token is stored. `by_password_set`: the address's account had no usable
    password (an invited account), so setting the password accepts it."""

    referral = models.OneToOneField(Referral, on_delete=models.CASCADE, related_name="invitation")
    email = models.EmailField()
    account = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
        help_text="The account that owned the address when the invitation was sent (made for it if none).",
    )
    by_password_set = models.BooleanField(default=False)
    token_hash = models.CharField(max_length=64, unique=True)
    expires_at = models.DateTimeField()
    accepted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"Invitation for referral #{self.referral_id}"

    def is_expired(self, now) -> bool:
        return self.accepted_at is None and self.expires_at <= now


class ReferralAccess(models.Model):
    """Who opened a referral letter, when, from where (every download is recorded)."""

    referral = models.ForeignKey(Referral, on_delete=models.CASCADE, related_name="accesses")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    at = models.DateTimeField(auto_now_add=True, db_index=True)
    ip_address = models.GenericIPAddressField(null=True, blank=True)

    class Meta:
        ordering = ["-at"]
        verbose_name_plural = "referral accesses"

    def __str__(self) -> str:
        return f"Referral #{self.referral_id} opened at {self.at:%Y-%m-%d %H:%M}"

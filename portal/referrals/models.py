"""Referral letters: private files, linked to a patient, optionally to the referring doctor and the
appointment they led to."""

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
        RECEIVED = "received", "Received"
        BOOKED = "booked", "Booked"
        SCANNED = "scanned", "Scanned"
        REPORTED = "reported", "Reported"
        CANCELLED = "cancelled", "Cancelled"

    patient = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="referrals")
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
        return f"Referral #{self.pk} for {self.patient}"


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

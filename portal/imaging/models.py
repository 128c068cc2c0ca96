"""Studies in the PACS (Orthanc) linked to appointments, the scanners' procedure steps (MPPS), and
every opening of an image (ImageAccess). The portal stores no DICOM itself: Orthanc does."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from portal.booking.models import Appointment
from portal.core.models import TimeStampedModel


class Study(TimeStampedModel):
    """A study found in Orthanc: linked to its appointment, or waiting for staff to reconcile it."""

    class Status(models.TextChoices):
        LINKED = "linked", "Linked"
        RECONCILE = "reconcile", "Needs reconciliation"
        REJECTED = "rejected", "Rejected"

    orthanc_id = models.CharField(max_length=64, unique=True)
    study_instance_uid = models.CharField("StudyInstanceUID", max_length=64, db_index=True)
    accession_number = models.CharField(max_length=16, blank=True, db_index=True)
    # As the images carry them: compared with the appointment's patient before linking.
    dicom_patient_id = models.CharField("PatientID in the images", max_length=64, blank=True)
    dicom_patient_name = models.CharField("PatientName in the images", max_length=200, blank=True)
    study_date = models.DateField(null=True, blank=True)
    description = models.CharField(max_length=200, blank=True)
    modality = models.CharField(max_length=32, blank=True, help_text="Modalities in the study, e.g. CT or CT\\SR.")
    series_count = models.PositiveIntegerField(default=0)
    instance_count = models.PositiveIntegerField(default=0)
    # [{"id": orthanc series id, "number": int, "description": str, "modality": str,
    #   "instances": [orthanc instance ids in order]}], read from Orthanc when the study is linked.
    series = models.JSONField(default=list, blank=True)

    appointment = models.ForeignKey(Appointment, null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="studies")
    status = models.CharField(max_length=10, choices=Status.choices, db_index=True)
    problem = models.CharField(max_length=200, blank=True, help_text="Why it needs reconciliation.")
    linked_at = models.DateTimeField(null=True, blank=True)
    reconciled_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                      related_name="+")
    reconciled_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name_plural = "studies"
        ordering = ["-study_date", "-created_at"]
        permissions = [("reconcile_study", "Can attach or reject studies that matched no appointment")]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(status="linked") | models.Q(appointment__isnull=False),
                name="imaging_study_linked_has_appointment",
            ),
        ]

    def __str__(self) -> str:
        return f"Study {self.accession_number or self.study_instance_uid} ({self.get_status_display()})"

    def series_by_id(self, series_id: str) -> dict | None:
        return next((s for s in self.series if s.get("id") == series_id), None)

    def has_instance(self, instance_id: str) -> bool:
        return any(instance_id in s.get("instances", ()) for s in self.series)


class ProcedureStep(TimeStampedModel):
    """A Modality Performed Procedure Step (MPPS) as the scanner reported it."""

    class Status(models.TextChoices):
        IN_PROGRESS = "IN PROGRESS", "In progress"
        COMPLETED = "COMPLETED", "Completed"
        DISCONTINUED = "DISCONTINUED", "Discontinued"

    sop_instance_uid = models.CharField("SOP Instance UID", max_length=64, unique=True)
    appointment = models.ForeignKey(Appointment, on_delete=models.PROTECT, related_name="procedure_steps")
    status = models.CharField(max_length=12, choices=Status.choices)
    calling_ae_title = models.CharField(max_length=16, blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    ended_at = models.DateTimeField(null=True, blank=True)
    discontinued_reason = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"MPPS {self.status} for appointment #{self.appointment_id}"


class ImageAccess(models.Model):
    """One opening of a study's images: who, when, what, from where. Append-only."""

    class Action(models.TextChoices):
        VIEW = "view", "Viewed images"
        SERIES = "series", "Viewed a series"
        DOWNLOAD = "download", "Downloaded images (DICOM)"
        DOWNLOAD_JPEG = "download_jpeg", "Downloaded images (JPEG)"
        DENIED = "denied", "Refused"

    study = models.ForeignKey(Study, on_delete=models.PROTECT, related_name="accesses")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    action = models.CharField(max_length=16, choices=Action.choices)
    series_id = models.CharField(max_length=64, blank=True)
    at = models.DateTimeField(auto_now_add=True, db_index=True)
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    user_agent = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["-at"]
        # The images' openings on the report page, newest first, from the index alone (issue 22)
        indexes = [models.Index(fields=["study", "at"], name="imageaccess_study_at_idx")]

    def __str__(self) -> str:
        return f"{self.get_action_display()} study #{self.study_id} at {self.at:%Y-%m-%d %H:%M}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise RuntimeError("Image access rows are append-only.")
        super().save(*args, **kwargs)


class FeedCursor(models.Model):
    """How far the change feed of a PACS has been read (one row per PACS URL)."""

    pacs_url = models.CharField(max_length=300, unique=True)
    last_seq = models.BigIntegerField(default=0)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"{self.pacs_url} at {self.last_seq}"

"""Radiology reports: written and signed by a radiologist, rendered to PDF, read by the patient and
the referring doctor. Every view and download is recorded (ReportAccess)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from wagtail.models import RevisionMixin

from portal.booking.models import Appointment
from portal.core.files import PrivateUploadTo, private_storage
from portal.core.models import TimeStampedModel


class Report(TimeStampedModel):
    """One version of the report of an appointment. An amendment is a new version; the old stays."""

    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        SIGNED = "signed", "Signed"
        AMENDED = "amended", "Superseded by an amendment"

    appointment = models.ForeignKey(Appointment, on_delete=models.PROTECT, related_name="reports")
    version = models.PositiveSmallIntegerField(default=1)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.DRAFT, db_index=True)
    radiologist = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+")
    findings = models.TextField(blank=True)
    impression = models.TextField(blank=True)
    recommendations = models.TextField(blank=True)
    critical_finding = models.BooleanField(default=False)
    signed_at = models.DateTimeField(null=True, blank=True, db_index=True)
    released_at = models.DateTimeField(null=True, blank=True, help_text="When the patient may read it.")
    supersedes = models.OneToOneField("self", null=True, blank=True, on_delete=models.PROTECT,
                                      related_name="superseded_by")
    amendment_reason = models.TextField(blank=True)
    pdf = models.FileField(storage=private_storage, upload_to=PrivateUploadTo("reports"), blank=True, max_length=200)
    pdf_sha256 = models.CharField(max_length=64, blank=True)
    uploaded_pdf = models.BooleanField(default=False, help_text="The PDF was made elsewhere and uploaded.")
    # Kept for analytics: seconds from the scan's completion to the first signature (version 1 only).
    turnaround_seconds = models.PositiveIntegerField(null=True, blank=True)
    # When report_released was sent for this version (it becomes visible to the patient once).
    release_announced_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        permissions = [
            ("sign_report", "Can sign and amend reports"),
            ("upload_report_pdf", "Can upload a report PDF made elsewhere"),
        ]
        constraints = [
            models.UniqueConstraint(fields=["appointment", "version"], name="report_unique_version"),
        ]
        # Turnaround analytics join reports to a range of appointments and read only this column.
        indexes = [models.Index(fields=["appointment", "turnaround_seconds"], name="report_turnaround_idx")]

    def __str__(self) -> str:
        return f"Report v{self.version} for appointment #{self.appointment_id}"

    @property
    def is_final(self) -> bool:
        """Signed content (current or superseded): locked, readable by those entitled."""
        return self.status in (self.Status.SIGNED, self.Status.AMENDED)


class ReportShare(TimeStampedModel):
    """A time-limited link to one appointment's report, made by the patient for another doctor.

    Only the SHA-256 of the token is stored (the link is shown once); the optional access code is
    stored with Django's password hasher. A share shows the newest released final version.
    """

    report = models.ForeignKey(Report, on_delete=models.PROTECT, related_name="shares")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recipient_name = models.CharField("shared with", max_length=120,
                                      help_text="Who the link is for, e.g. Dr Moyo (second opinion).")
    token_hash = models.CharField(max_length=64, unique=True)
    expires_at = models.DateTimeField()
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    access_code_hash = models.CharField(max_length=128, blank=True)
    code_phone_last_digits = models.CharField(max_length=4, blank=True)
    failed_code_attempts = models.PositiveSmallIntegerField(default=0)

    MAX_CODE_ATTEMPTS = 5

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(condition=models.Q(expires_at__gt=models.F("created_at")),
                                   name="reportshare_expires_after_creation"),
        ]

    def __str__(self) -> str:
        return f"Share of report #{self.report_id} with {self.recipient_name}"

    @property
    def needs_code(self) -> bool:
        return bool(self.access_code_hash)

    def state(self, now) -> str:
        if self.revoked_at is not None:
            return "revoked"
        if self.failed_code_attempts >= self.MAX_CODE_ATTEMPTS:
            return "locked"
        if self.expires_at <= now:
            return "expired"
        return "active"


class ReportAccess(models.Model):
    """One opening of a report: who, when, which version, how, from where. Append-only."""

    class Action(models.TextChoices):
        VIEW = "view", "Viewed"
        DOWNLOAD = "download", "Downloaded"
        DENIED = "denied", "Refused"
        # Through a share link, where the imaging app is present (signed-in users' image views are
        # imaging.ImageAccess rows; a link has no user, so its openings stay with the report's).
        IMAGES = "images", "Viewed the images"
        IMAGES_DOWNLOAD = "images_dl", "Downloaded the images (DICOM)"

    class Via(models.TextChoices):
        WEB = "web", "the website"
        API = "api", "the app (API)"
        FHIR = "fhir", "FHIR"

    report = models.ForeignKey(Report, on_delete=models.PROTECT, related_name="accesses")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    action = models.CharField(max_length=10, choices=Action.choices)
    via = models.CharField(max_length=5, choices=Via.choices, default=Via.WEB)
    at = models.DateTimeField(auto_now_add=True, db_index=True)
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    user_agent = models.CharField(max_length=300, blank=True)
    # Set when the report was opened through a share link (no user: the person named on the link).
    share = models.ForeignKey(ReportShare, null=True, blank=True, on_delete=models.PROTECT, related_name="accesses")
    # Set when a guardian opened a dependant's report (`user` is then the dependant).
    by_guardian = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+")

    class Meta:
        ordering = ["-at"]
        # "Who opened my report": a version's openings, newest first, from the index alone (issue 22)
        indexes = [models.Index(fields=["report", "at"], name="reportaccess_report_at_idx")]

    def __str__(self) -> str:
        return f"{self.get_action_display()} report #{self.report_id} at {self.at:%Y-%m-%d %H:%M}"


class ReportTemplate(RevisionMixin, TimeStampedModel):
    """A starting text for a scan type's report, edited by managers in the Wagtail admin (a snippet
    with revisions: every save is kept and can be compared or restored).

    A new draft copies the text; the signed report keeps its own text, not a link to the template.
    """

    scan_type = models.ForeignKey("catalogue.ScanType", on_delete=models.CASCADE, related_name="report_templates")
    name = models.CharField(max_length=120, help_text="e.g. Normal CT brain.")
    findings = models.TextField(blank=True, help_text="Default findings text, with its headings.")
    impression = models.TextField(blank=True)
    recommendations = models.TextField(blank=True)
    is_default = models.BooleanField(default=False, help_text="Used when the radiologist does not choose one.")
    pick_lists = models.TextField(
        blank=True,
        help_text="One pick list a line: a heading, a colon, then the choices separated by |, e.g. "
                  "“Liver: normal in size | enlarged | fatty infiltration”. The editor offers them as buttons "
                  "that add “Liver: enlarged” to the findings.",
    )

    class Meta:
        ordering = ["scan_type", "-is_default", "name"]

    def __str__(self) -> str:
        return f"{self.scan_type}: {self.name}"

    @property
    def pick_list_items(self) -> list[dict]:
        """The pick lists as [{"heading": "Liver", "choices": ["normal in size", ...]}]; lines without a
        heading and a choice are ignored."""
        return parse_pick_lists(self.pick_lists)


def parse_pick_lists(text: str) -> list[dict]:
    items = []
    for line in (text or "").splitlines():
        heading, colon, rest = line.partition(":")
        choices = [choice.strip() for choice in rest.split("|") if choice.strip()]
        if colon and heading.strip() and choices:
            items.append({"heading": heading.strip(), "choices": choices})
    return items


class CriticalNotice(TimeStampedModel):
    """The urgent notice of a signed report's critical finding (one per signed version).

    The referring doctor is told at signing (email and SMS, in the notifications' delivery log) and
    acknowledges it in the portal. Not acknowledged by `ack_due_at` (settings.CRITICAL_ACK_MINUTES), it is
    texted once to the practice's duty phones (settings.CRITICAL_DUTY_PHONES); what was sent is kept here.
    """

    report = models.OneToOneField(Report, on_delete=models.PROTECT, related_name="critical_notice")
    ack_due_at = models.DateTimeField(db_index=True,
                                      help_text="Escalated to the duty phones when not acknowledged by then.")
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    acknowledged_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                        related_name="+")
    escalated_at = models.DateTimeField(null=True, blank=True)
    escalated_to = models.JSONField(default=list, blank=True, help_text="The duty phone numbers texted.")
    escalation_result = models.JSONField(default=list, blank=True,
                                         help_text="Per number: the provider's message id or the error.")

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"Critical finding notice for report #{self.report_id}"

    @property
    def state(self) -> str:
        if self.acknowledged_at is not None:
            return "acknowledged"
        return "escalated" if self.escalated_at is not None else "waiting"

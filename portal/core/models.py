"""Abstract building blocks shared by every app of the portal, the practice's details, and the audit trail."""

from __future__ import annotations

from django.db import models
from wagtail.admin.panels import FieldPanel
from wagtail.contrib.settings.models import BaseSiteSetting, register_setting


class TimeStampedModel(models.Model):
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        abstract = True


@register_setting(icon="site")
class PracticeSettings(BaseSiteSetting):
    """The practice's details, edited in the Wagtail admin (Settings > Practice details).

    Read them through `portal.core.practice.practice_details()`, never from this model: every page,
    email, receipt and report PDF shows the same frozen value.
    """

    practice_name = models.CharField(max_length=120, default="Radiology Portal")
    tagline = models.CharField(max_length=200, blank=True)
    logo = models.ForeignKey(
        "wagtailimages.Image", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    phone = models.CharField(max_length=40, blank=True)
    email = models.EmailField(blank=True)
    address = models.TextField(blank=True)
    opening_hours = models.TextField(blank=True, help_text="One line per day or range, e.g. Mon–Fri 07:30–18:00.")
    report_letterhead = models.TextField(
        blank=True, help_text="Printed at the top of every report and receipt (name, address, registration)."
    )

    panels = [
        FieldPanel("practice_name"),
        FieldPanel("tagline"),
        FieldPanel("logo"),
        FieldPanel("phone"),
        FieldPanel("email"),
        FieldPanel("address"),
        FieldPanel("opening_hours"),
        FieldPanel("report_letterhead"),
    ]

    class Meta:
        verbose_name = "practice details"


from portal.core.audit import AuditEvent  # noqa: E402, F401  (the model lives in audit.py)
from portal.core.health import Heartbeat  # noqa: E402, F401  (the model lives in health.py)

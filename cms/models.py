"""Wagtail page types of the public site."""

from __future__ import annotations

from django.db import models
from wagtail.admin.panels import FieldPanel
from wagtail.contrib.settings.models import BaseSiteSetting, register_setting
from wagtail.fields import RichTextField
from wagtail.models import Page


class HomePage(Page):
    """The practice's front page: a welcome, and the way into booking."""

    hero_title = models.CharField(max_length=120, default="Imaging you can book in minutes")
    hero_text = models.TextField(
        blank=True,
        default="X-ray, ultrasound, CT, MRI and more, reported by specialist radiologists.",
    )
    body = RichTextField(blank=True)

    content_panels = [*Page.content_panels, FieldPanel("hero_title"), FieldPanel("hero_text"), FieldPanel("body")]

    max_count = 1
    parent_page_types = ["wagtailcore.Page"]

    class Meta:
        verbose_name = "home page"


@register_setting(icon="site")
class PracticeSettings(BaseSiteSetting):
    """The practice's details. Every page, email and PDF reads them from here."""

    practice_name = models.CharField(max_length=120, default="Radiology Portal")
    tagline = models.CharField(max_length=200, blank=True)
    logo = models.ForeignKey(
        "wagtailimages.Image", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    phone = models.CharField(max_length=40, blank=True)
    email = models.EmailField(blank=True)
    address = models.TextField(blank=True)
    currency_symbol = models.CharField(max_length=5, default="$")
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
        FieldPanel("currency_symbol"),
        FieldPanel("report_letterhead"),
    ]

    class Meta:
        verbose_name = "practice details"

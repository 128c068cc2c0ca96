"""What the practice offers and what medical aids pay: the one source of truth for prices.

ScanType is a Wagtail snippet with drafts, revisions and a moderation workflow. The database row is
the *live* version; unpublished edits live in revisions. Booking reads only live, bookable rows.
"""

from __future__ import annotations

from decimal import Decimal

from django.contrib.contenttypes.fields import GenericRelation
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from modelcluster.fields import ParentalKey
from modelcluster.models import ClusterableModel
from wagtail.admin.panels import FieldPanel, FieldRowPanel, InlinePanel, MultiFieldPanel
from wagtail.fields import RichTextField
from wagtail.models import DraftStateMixin, LockableMixin, RevisionMixin, WorkflowMixin
from wagtail.search import index

from portal.catalogue.forms import ScanTypeAdminForm
from portal.core.models import TimeStampedModel


class Modality(models.TextChoices):
    XRAY = "xray", "X-ray"
    ULTRASOUND = "us", "Ultrasound"
    CT = "ct", "CT"
    MRI = "mri", "MRI"
    MAMMOGRAPHY = "mammo", "Mammography"
    DEXA = "dexa", "DEXA (bone density)"
    FLUOROSCOPY = "fluoro", "Fluoroscopy"


class ScanTypeQuerySet(models.QuerySet):
    def live(self) -> ScanTypeQuerySet:
        return self.filter(live=True)

    def bookable(self) -> ScanTypeQuerySet:
        return self.filter(live=True, bookable_online=True)


class ScanType(WorkflowMixin, DraftStateMixin, LockableMixin, RevisionMixin, index.Indexed, TimeStampedModel):
    """One examination the practice performs, e.g. "CT brain with contrast"."""

    code = models.SlugField(
        max_length=30, unique=True, help_text="Short unique code used in links and booking, e.g. ct-brain.",
        error_messages={"unique": "Another scan type already uses this code. Choose a different code."},
    )
    name = models.CharField(max_length=120)
    modality = models.CharField(max_length=10, choices=Modality.choices, db_index=True)
    body_part = models.CharField(max_length=80, blank=True)
    duration_minutes = models.PositiveSmallIntegerField(
        validators=[
            MinValueValidator(5, message="A scan takes at least 5 minutes: enter a duration of 5 or more."),
            MaxValueValidator(480, message="A scan takes at most 480 minutes (8 hours)."),
        ],
        help_text="Room time to book, including preparation (5 to 480 minutes).",
    )
    price = models.DecimalField(
        max_digits=10, decimal_places=2,
        validators=[MinValueValidator(Decimal("0.01"), message="The price must be more than zero.")],
        help_text="The practice's price for this scan.",
    )
    preparation = RichTextField(blank=True, help_text="What the patient must do before the scan.")
    needs_referral = models.BooleanField(default=False, help_text="A doctor's referral letter is required.")
    mri_safety_screening = models.BooleanField(default=False, help_text="Ask the MRI safety questions.")
    uses_contrast = models.BooleanField(default=False, help_text="Ask the contrast questions (kidneys, allergy).")
    pregnancy_check = models.BooleanField(default=False, help_text="Ask whether the patient may be pregnant.")
    bookable_online = models.BooleanField(default=True, help_text="Patients may book this scan themselves.")
    tariff_code = models.CharField(
        max_length=20, blank=True,
        help_text="The medical-aid tariff code claimed for this scan (printed on every claim line).",
    )

    _revisions = GenericRelation("wagtailcore.Revision", related_query_name="scan_type")
    workflow_states = GenericRelation(
        "wagtailcore.WorkflowState",
        content_type_field="base_content_type",
        object_id_field="object_id",
        related_query_name="scan_type",
        for_concrete_model=False,
    )

    objects = ScanTypeQuerySet.as_manager()

    base_form_class = ScanTypeAdminForm
    panels = [
        MultiFieldPanel(
            [FieldPanel("name"), FieldPanel("code"), FieldRowPanel([FieldPanel("modality"), FieldPanel("body_part")])],
            heading="Scan",
        ),
        FieldRowPanel([FieldPanel("price"), FieldPanel("duration_minutes"), FieldPanel("tariff_code")],
                      heading="Price, time and tariff code"),
        FieldPanel("preparation"),
        MultiFieldPanel(
            [
                FieldPanel("needs_referral"),
                FieldPanel("mri_safety_screening"),
                FieldPanel("uses_contrast"),
                FieldPanel("pregnancy_check"),
                FieldPanel("bookable_online"),
            ],
            heading="Booking rules and safety questions",
        ),
    ]

    search_fields = [
        index.SearchField("name"),
        index.SearchField("body_part"),
        index.AutocompleteField("name"),
        index.FilterField("modality"),
        index.FilterField("live"),
    ]

    class Meta:
        ordering = ["modality", "name"]
        verbose_name = "scan type"
        constraints = [
            models.CheckConstraint(condition=models.Q(price__gt=0), name="scantype_price_positive"),
            models.CheckConstraint(condition=models.Q(duration_minutes__gt=0), name="scantype_duration_positive"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def revisions(self):
        return self._revisions

    def clean(self) -> None:
        super().clean()
        if self.code:
            self.code = self.code.strip().lower()
        if self.mri_safety_screening and self.modality and self.modality != Modality.MRI:
            raise ValidationError({"mri_safety_screening": "MRI safety questions apply to MRI scans only."})

    @property
    def screening_kinds(self) -> list[str]:
        kinds = []
        if self.mri_safety_screening:
            kinds.append("mri")
        if self.uses_contrast:
            kinds.append("contrast")
        if self.pregnancy_check:
            kinds.append("pregnancy")
        return kinds


class MedicalAidScheme(ClusterableModel, TimeStampedModel):
    """A medical-aid (health insurance) scheme, e.g. "CIMAS". Its plans carry the cover rules."""

    name = models.CharField(max_length=120, unique=True)
    short_name = models.CharField(max_length=30, blank=True)
    website = models.URLField(blank=True)
    claims_phone = models.CharField(max_length=40, blank=True)
    active = models.BooleanField(default=True)

    panels = [
        FieldPanel("name"),
        FieldPanel("short_name"),
        FieldRowPanel([FieldPanel("website"), FieldPanel("claims_phone")]),
        FieldPanel("active"),
        InlinePanel("plans", label="Plans", heading="Plans"),
    ]

    class Meta:
        ordering = ["name"]
        verbose_name = "medical-aid scheme"

    def __str__(self) -> str:
        return self.name


class Plan(ClusterableModel):
    """A plan (option) of a scheme, with its cover rules."""

    scheme = ParentalKey(MedicalAidScheme, on_delete=models.CASCADE, related_name="plans")
    name = models.CharField(max_length=120)
    active = models.BooleanField(default=True)
    sort_order = models.PositiveSmallIntegerField(default=0, editable=False)

    panels = [FieldPanel("name"), FieldPanel("active"), InlinePanel("cover_rules", label="Cover rules")]

    class Meta:
        ordering = ["scheme__name", "sort_order", "name"]
        constraints = [models.UniqueConstraint(fields=["scheme", "name"], name="plan_unique_name_per_scheme")]

    def __str__(self) -> str:
        return f"{self.scheme.name} {self.name}"

    def rule_for(self, scan_type: ScanType) -> CoverRule | None:
        """The most specific rule: one for this scan type, else one for its modality, else none."""
        rules = list(self.cover_rules.all())
        for rule in rules:
            if rule.scan_type_id == scan_type.pk:
                return rule
        for rule in rules:
            if rule.scan_type_id is None and rule.modality == scan_type.modality:
                return rule
        return None


class CoverRule(models.Model):
    """What a plan pays: for a whole modality, or for one scan type (which wins)."""

    plan = ParentalKey(Plan, on_delete=models.CASCADE, related_name="cover_rules")
    modality = models.CharField(max_length=10, choices=Modality.choices, blank=True)
    scan_type = models.ForeignKey(ScanType, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    percent_covered = models.DecimalField(
        max_digits=5, decimal_places=2,
        validators=[
            MinValueValidator(Decimal("0"), message="Cover is a percentage: enter a number from 0 to 100."),
            MaxValueValidator(Decimal("100"), message="Cover is a percentage: enter a number from 0 to 100."),
        ],
        help_text="Share of the price the plan pays, 0 to 100.",
    )
    tariff_cap = models.DecimalField(
        max_digits=10, decimal_places=2, null=True, blank=True,
        validators=[MinValueValidator(Decimal("0"), message="A tariff cap cannot be negative.")],
        help_text="The most the plan pays for one scan (empty: no cap).",
    )
    co_payment = models.DecimalField(
        max_digits=10, decimal_places=2, default=Decimal("0"),
        validators=[MinValueValidator(Decimal("0"), message="A co-payment cannot be negative.")],
        help_text="A fixed amount the patient always pays.",
    )

    panels = [
        FieldRowPanel([FieldPanel("modality"), FieldPanel("scan_type")]),
        FieldRowPanel([FieldPanel("percent_covered"), FieldPanel("tariff_cap"), FieldPanel("co_payment")]),
    ]

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=models.Q(percent_covered__gte=0, percent_covered__lte=100), name="cover_percent_0_100"
            ),
            models.CheckConstraint(
                condition=~models.Q(modality="") | models.Q(scan_type__isnull=False), name="cover_rule_has_target"
            ),
        ]

    def __str__(self) -> str:
        target = self.scan_type.name if self.scan_type_id else self.get_modality_display()
        return f"{target}: {self.percent_covered}%"

    def clean(self) -> None:
        super().clean()
        if not self.modality and not self.scan_type_id:
            raise ValidationError("Choose the modality or the scan type this rule covers.")
        if self.modality and self.scan_type_id:
            raise ValidationError("Choose either a modality or a scan type, not both.")

"""The catalogue in the Wagtail admin: scan types (drafts, revisions, moderation), schemes and plans.

Marketing editors and managers edit here. A scan type edit by a marketing editor is submitted to the
"Catalogue changes" workflow (catalogue migration 0003) and goes live only when a manager approves it.
"""

from __future__ import annotations

from wagtail.admin.panels import FieldPanel, FieldRowPanel, InlinePanel, MultiFieldPanel
from wagtail.admin.ui.tables import BooleanColumn, Column
from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import SnippetViewSet, SnippetViewSetGroup

from portal.catalogue.models import MedicalAidScheme, Plan, ScanType


class ScanTypeViewSet(SnippetViewSet):
    model = ScanType
    icon = "table"
    menu_label = "Scan types"
    menu_name = "scan_types"
    list_display = [
        "name",
        "code",
        Column("modality", label="Modality", accessor="get_modality_display", sort_key="modality"),
        "price",
        "duration_minutes",
        BooleanColumn("bookable_online", label="Bookable online"),
        BooleanColumn("live", label="Live"),
    ]
    list_filter = ["modality", "live", "bookable_online", "needs_referral"]
    search_fields = ["name", "code", "body_part"]
    ordering = ["modality", "name"]
    list_per_page = 50
    copy_view_enabled = True
    inspect_view_enabled = True


class MedicalAidSchemeViewSet(SnippetViewSet):
    model = MedicalAidScheme
    icon = "group"
    menu_label = "Medical-aid schemes"
    menu_name = "medical_aid_schemes"
    list_display = ["name", "short_name", "claims_phone", BooleanColumn("active")]
    list_filter = ["active"]
    search_fields = ["name", "short_name"]
    panels = [
        FieldRowPanel([FieldPanel("name"), FieldPanel("short_name")]),
        FieldRowPanel([FieldPanel("website"), FieldPanel("claims_phone")]),
        FieldPanel("active"),
        InlinePanel(
            "plans", label="Plan", heading="Plans",
            panels=[FieldPanel("name"), FieldPanel("active")],
            help_text="Cover rules are edited on each plan (Catalogue › Medical-aid plans).",
        ),
    ]


class PlanViewSet(SnippetViewSet):
    model = Plan
    icon = "list-ul"
    menu_label = "Medical-aid plans"
    menu_name = "medical_aid_plans"
    list_display = [Column("scheme", label="Scheme"), "name", BooleanColumn("active")]
    list_filter = ["scheme", "active"]
    search_fields = ["name", "scheme__name"]
    panels = [
        MultiFieldPanel([FieldPanel("scheme"), FieldPanel("name"), FieldPanel("active")], heading="Plan"),
        InlinePanel(
            "cover_rules", label="Cover rule", heading="Cover rules",
            help_text="A rule for one scan type wins over a rule for its modality. No rule: the patient pays.",
        ),
    ]

    def get_queryset(self, request):
        return Plan.objects.select_related("scheme")


class CatalogueViewSetGroup(SnippetViewSetGroup):
    items = (ScanTypeViewSet, MedicalAidSchemeViewSet, PlanViewSet)
    menu_icon = "clipboard-list"
    menu_label = "Catalogue"
    menu_name = "catalogue"
    menu_order = 250


register_snippet(CatalogueViewSetGroup)

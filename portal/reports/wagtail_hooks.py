"""Report templates as a Wagtail snippet: managers edit them in the admin."""

from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import SnippetViewSet

from portal.reports.models import ReportTemplate


class ReportTemplateViewSet(SnippetViewSet):
    model = ReportTemplate
    icon = "doc-full"
    menu_label = "Report templates"
    list_display = ["name", "scan_type", "is_default"]
    list_filter = ["scan_type"]


register_snippet(ReportTemplateViewSet)

"""The managers' audit screen (portal.core.audit_admin) in the Wagtail admin menu."""

from __future__ import annotations

from django.urls import include, path, reverse
from wagtail import hooks
from wagtail.admin.menu import Menu, MenuItem, SubmenuMenuItem

from portal.core.audit_admin import PERMISSION, AuditEventReportView, RowHistoryReportView

urlpatterns = [
    path("", AuditEventReportView.as_view(), name="events"),
    path("results/", AuditEventReportView.as_view(results_only=True), name="events_results"),
    path("history/", RowHistoryReportView.as_view(), name="history"),
    path("history/results/", RowHistoryReportView.as_view(results_only=True), name="history_results"),
]


@hooks.register("register_admin_urls")
def register_audit_urls():
    return [path("audit/", include((urlpatterns, "audit"), namespace="audit"))]


class ManagerMenuItem(MenuItem):
    def is_shown(self, request):
        return request.user.has_perm(PERMISSION)


audit_menu = Menu(
    register_hook_name="register_audit_menu_item",
    construct_hook_name="construct_audit_menu",
)


@hooks.register("register_audit_menu_item")
def register_audit_events_item():
    return ManagerMenuItem("Audit trail", reverse("audit:events"), icon_name="list-ul", order=100)


@hooks.register("register_audit_menu_item")
def register_row_history_item():
    return ManagerMenuItem("Row history", reverse("audit:history"), icon_name="history", order=200)


@hooks.register("register_admin_menu_item")
def register_audit_menu():
    return SubmenuMenuItem("Audit", audit_menu, icon_name="clipboard-list", order=9000)

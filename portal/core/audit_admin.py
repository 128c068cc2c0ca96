"""The managers' audit screen in the Wagtail admin: read-only, filterable, exportable as CSV.

Two reports share it: the audit trail of patient-data requests (`AuditEvent`: who opened or changed
what, when, from where) and the row history of the models that keep one (django-simple-history:
before/after of each save of appointments, payments, claims, referrals and users, with the user who
made it). Core imports no app: the history models are found through simple-history's registry.

Only users with the `core.view_auditevent` permission (the Manager role, migration accounts.0004)
open it; anyone else gets 403. Reading the screen is itself audited (URL namespace "audit").
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

import django_filters
from django.apps import apps
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.db.models import IntegerField, TextField, Value
from django.db.models.functions import Cast
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.html import format_html
from django.views.defaults import permission_denied
from wagtail.admin.filters import DateRangePickerWidget, WagtailFilterSet
from wagtail.admin.ui.tables import Column, DateColumn
from wagtail.admin.views.reports import ReportView

from portal.core.audit import AuditEvent

PERMISSION = "core.view_auditevent"

# The tracked models, in the order the "what" filter lists them ("app_label.model").
TRACKED_MODELS = ["booking.appointment", "payments.payment", "payments.medicalaidclaim", "referrals.referral",
                  "accounts.user"]


def history_models() -> list[tuple[str, type]]:
    """(key, historical model) for each tracked model that keeps a row history."""
    found = []
    for key in TRACKED_MODELS:
        model = apps.get_model(key)
        history = getattr(model._meta, "simple_history_manager_attribute", None)
        if history:
            found.append((key, getattr(model, history).model))
    return found


def _label(key: str) -> str:
    return str(apps.get_model(key)._meta.verbose_name).capitalize()


def _users_in(ids):
    User = get_user_model()
    return User.objects.filter(pk__in=ids).order_by("email")


class DecoratedRowsMixin:
    """Wagtail builds the table before ReportView decorates the page's rows: decorate them once, for
    both the table and the CSV export."""

    def get_table(self, object_list):
        self._rows = self.decorate_rows(object_list)
        return super().get_table(self._rows)

    def decorate_paginated_queryset(self, object_list):
        rows = getattr(self, "_rows", None)
        return rows if rows is not None else self.decorate_rows(object_list)


class ManagerOnlyMixin:
    def dispatch(self, request, *args, **kwargs):
        if not request.user.has_perm(PERMISSION):
            # A plain 403 (Wagtail would redirect to the dashboard with a message; say it as it is).
            return permission_denied(request, PermissionDenied())
        return super().dispatch(request, *args, **kwargs)


def _by_email(request):
    return _users_in(AuditEvent.objects.exclude(actor=None).values("actor_id").distinct())


class AuditEventFilterSet(WagtailFilterSet):
    actor = django_filters.ModelChoiceFilter(label="Who", queryset=_by_email)
    action = django_filters.ChoiceFilter(label="Read or write", choices=AuditEvent.Action.choices)
    view_name = django_filters.CharFilter(label="What (page name contains)", lookup_expr="icontains")
    at = django_filters.DateFromToRangeFilter(label="When", widget=DateRangePickerWidget)
    object_id = django_filters.CharFilter(label="Object id", method="filter_object_id")

    class Meta:
        model = AuditEvent
        fields = ["actor", "action", "view_name", "at"]

    def filter_object_id(self, queryset, name, value):
        # object_ids holds the URL's ids as strings: {"pk": "12"}; match the quoted value exactly.
        value = value.strip().strip('"')
        if not value:
            return queryset
        return queryset.annotate(_ids=Cast("object_ids", TextField())).filter(_ids__contains=f'"{value}"')


class AuditEventReportView(ManagerOnlyMixin, DecoratedRowsMixin, ReportView):
    page_title = "Audit trail"
    header_icon = "list-ul"
    model = AuditEvent
    filterset_class = AuditEventFilterSet
    index_url_name = "audit:events"
    index_results_url_name = "audit:events_results"
    paginate_by = 50
    # Three columns, so the table fits a phone (390 px); the CSV has one column per field.
    columns = [
        DateColumn("at", label="When"),
        Column("who_html", label="Who"),
        Column("what_html", label="What"),
    ]
    list_export = ["at", "actor_email", "action", "method", "view_name", "object_ids_text", "path", "status_code",
                   "ip_address"]
    export_headings = {"at": "When (UTC)", "actor_email": "Who", "action": "Read/write", "method": "Method",
                       "view_name": "What", "object_ids_text": "Object", "path": "Path", "status_code": "Status",
                       "ip_address": "From"}

    def get_queryset(self):
        return AuditEvent.objects.select_related("actor").order_by("-at", "-pk")

    def get_filename(self):
        return f"audit-trail-{timezone.localdate():%Y-%m-%d}"

    def decorate_rows(self, object_list):
        object_list = list(object_list)
        for event in object_list:
            event.actor_email = event.actor.email if event.actor_id and event.actor else "anonymous"
            event.object_ids_text = ", ".join(f"{k}={v}" for k, v in sorted(event.object_ids.items()))
            event.who_html = _email_html(event.actor_email)
            event.what_html = format_html(
                "<strong>{}</strong> {}<br><small>{} · {} · from {}</small>", event.view_name, event.object_ids_text,
                event.get_action_display(), event.status_code, event.ip_address or "unknown",
            )
        return object_list


def _history_users(request):
    ids = set()
    for _, model in history_models():
        ids.update(model.objects.exclude(history_user=None).values_list("history_user_id", flat=True).distinct())
    return _users_in(ids)


class RowHistoryFilterSet(WagtailFilterSet):
    user = django_filters.ModelChoiceFilter(label="Who", queryset=_history_users, method="filter_user")
    what = django_filters.ChoiceFilter(label="What", method="filter_nothing",
                                       choices=lambda: [(key, _label(key)) for key in TRACKED_MODELS])
    history_type = django_filters.ChoiceFilter(label="Change", choices=[("+", "Created"), ("~", "Changed"),
                                                                         ("-", "Deleted")])
    history_date = django_filters.DateFromToRangeFilter(label="When", widget=DateRangePickerWidget)
    object_id = django_filters.NumberFilter(label="Object id", field_name="id")

    class Meta:
        model = AuditEvent  # a stand-in: each history model is filtered with the same fields
        fields = []

    def filter_user(self, queryset, name, value):
        return queryset.filter(history_user_id=value.pk)

    def filter_nothing(self, queryset, name, value):
        return queryset  # the view picks the models


class RowHistoryReportView(ManagerOnlyMixin, DecoratedRowsMixin, ReportView):
    page_title = "Row history"
    header_icon = "history"
    filterset_class = RowHistoryFilterSet
    index_url_name = "audit:history"
    index_results_url_name = "audit:history_results"
    paginate_by = 50
    columns = [
        DateColumn("history_date", label="When"),
        Column("who_html", label="Who"),
        Column("change_html", label="What changed (before → after)"),
    ]
    list_export = ["history_date", "user_email", "what", "object_id", "change", "changes"]
    export_headings = {"history_date": "When (UTC)", "user_email": "Who", "what": "What", "object_id": "Object",
                       "change": "Change", "changes": "Before -> after"}

    CHANGE_LABELS = {"+": "Created", "~": "Changed", "-": "Deleted"}

    @cached_property
    def models(self) -> list[tuple[str, type]]:
        return history_models()

    def get_filtered_queryset(self):
        """One union over the history tables (ids and dates only), newest first; the rows of the page
        are fetched per model afterwards (as Wagtail's own site-history report does)."""
        wanted = self.request.GET.get("what")
        subs = []
        for index, (key, model) in enumerate(self.models):
            if wanted and wanted != key:
                continue
            sub = model.objects.values("history_id", "history_date").annotate(
                model_index=Value(index, output_field=IntegerField())
            )
            subs.append(self.filter_queryset(sub).order_by())
        if not subs:  # an unknown "what": the filter form says so; show nothing
            return self.models[0][1].objects.none().values("history_id", "history_date")
        # One union of all of them, not a chain of unions: Django 6.1 gives a union of a union its
        # model's default ordering back (the history tables order by -history_date), and SQLite refuses
        # an ORDER BY inside a compound statement.
        queryset = subs[0].union(*subs[1:], all=True) if len(subs) > 1 else subs[0]
        return queryset.order_by("-history_date", "-history_id")

    def decorate_rows(self, object_list):
        pks = defaultdict(list)
        rows = list(object_list)
        for row in rows:
            pks[row["model_index"]].append(row["history_id"])
        found = {}
        for index, ids in pks.items():
            key, model = self.models[index]
            for record in model.objects.filter(history_id__in=ids).select_related("history_user"):
                record.what = _label(key)
                record.object_id = record.id
                record.user_email = record.history_user.email if record.history_user else "system"
                record.change = self.CHANGE_LABELS.get(record.history_type, record.history_type)
                record.changes = self._describe(record)
                record.who_html = _email_html(record.user_email)
                record.change_html = format_html("<strong>{} #{} · {}</strong><br>{}", record.what, record.object_id,
                                                 record.change, record.changes)
                found[(index, record.history_id)] = record
        return [found[(row["model_index"], row["history_id"])] for row in rows]

    @staticmethod
    def _describe(record) -> str:
        if record.history_type != "~":
            return ""
        previous = record.prev_record
        if previous is None:
            return ""
        delta = record.diff_against(previous, excluded_fields=["updated_at"])
        return "; ".join(f"{c.field}: {_show(c.old)} → {_show(c.new)}" for c in delta.changes)

    def get_filename(self):
        return f"row-history-{timezone.localdate():%Y-%m-%d}"


def _email_html(email: str) -> str:
    """An email address that may wrap after its @ on a narrow screen."""
    local_part, at, domain = email.partition("@")
    return format_html("{}{}<wbr>{}", local_part, at, domain) if at else email


def _show(value) -> str:
    if value in (None, ""):
        return "—"
    if isinstance(value, dt.datetime):
        return timezone.localtime(value).strftime("%Y-%m-%d %H:%M")
    return str(value)


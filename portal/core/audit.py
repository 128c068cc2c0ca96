"""An append-only audit trail of reads and writes of patient data: who, what, when, from where.

Rows are only ever inserted. The model refuses updates and deletes; on PostgreSQL a trigger
refuses them in the database too (migration core.0002), whatever code or SQL asks.
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.db import models
from django.http import HttpRequest, HttpResponse

from portal.core.clientip import client_ip

logger = logging.getLogger(__name__)


class AppendOnlyError(RuntimeError):
    pass


class AuditEventQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise AppendOnlyError("The audit trail is append-only.")

    def delete(self):
        raise AppendOnlyError("The audit trail is append-only.")


class AuditEvent(models.Model):
    class Action(models.TextChoices):
        READ = "read", "Read"
        WRITE = "write", "Write"

    at = models.DateTimeField(auto_now_add=True, db_index=True)
    # No database constraint: deleting a user never touches the trail.
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.DO_NOTHING, db_constraint=False, related_name="+"
    )
    action = models.CharField(max_length=5, choices=Action.choices)
    method = models.CharField(max_length=7)
    view_name = models.CharField(max_length=120, db_index=True)
    object_ids = models.JSONField(default=dict, blank=True)
    path = models.CharField(max_length=300)
    status_code = models.PositiveSmallIntegerField()
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    user_agent = models.CharField(max_length=300, blank=True)
    # A guardian acting for a dependant: `actor` is the guardian, this the dependant.
    on_behalf_of = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.DO_NOTHING, db_constraint=False,
        related_name="+",
    )

    objects = AuditEventQuerySet.as_manager()

    class Meta:
        app_label = "core"
        ordering = ["-at"]
        indexes = [models.Index(fields=["actor", "at"])]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M:%S} {self.action} {self.view_name} by #{self.actor_id}"

    def save(self, *args, **kwargs):
        if self.pk is not None and not self._state.adding:
            raise AppendOnlyError("The audit trail is append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AppendOnlyError("The audit trail is append-only.")


SEARCH_PARAMS = ("q",)  # the admins' search box (Django admin and Wagtail both use ?q=)


def _searched(request: HttpRequest) -> dict:
    """The term searched for, kept in the audit row (the database record), never in a log line."""
    found = {}
    for name in SEARCH_PARAMS:
        value = request.GET.get(name, "").strip()
        if value:
            found[f"search_{name}"] = value[:200]
    return found


class AuditMiddleware:
    """Records every request by a signed-in user to a patient-data URL namespace (AUDIT_NAMESPACES)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        match = getattr(request, "resolver_match", None)
        user = getattr(request, "user", None)
        if match is None or user is None or not user.is_authenticated:
            return response
        if not set(match.namespaces) & set(settings.AUDIT_NAMESPACES):
            return response
        guardian = getattr(request, "guardian", None)
        try:
            AuditEvent.objects.create(
                actor=guardian or user,
                on_behalf_of=user if guardian is not None else None,
                action=AuditEvent.Action.READ if request.method in ("GET", "HEAD") else AuditEvent.Action.WRITE,
                method=request.method[:7],
                view_name=match.view_name[:120],
                # The URL's ids, plus what the view says it returned (a FHIR search's resources).
                object_ids={**{k: str(v) for k, v in match.kwargs.items()},
                            **_searched(request),
                            **getattr(request, "audit_object_ids", {})},
                path=request.path[:300],
                status_code=response.status_code,
                ip_address=client_ip(request),
                user_agent=request.META.get("HTTP_USER_AGENT", "")[:300],
            )
        except Exception:  # the response stands; the failure is loud in the logs
            logger.exception("audit: could not record an event for view %s", match.view_name)
        return response

"""Abstract building blocks shared by every app of the portal, and the audit trail."""

from __future__ import annotations

from django.db import models


class TimeStampedModel(models.Model):
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        abstract = True


from portal.core.audit import AuditEvent  # noqa: E402, F401  (the model lives in audit.py)
from portal.core.health import Heartbeat  # noqa: E402, F401  (the model lives in health.py)

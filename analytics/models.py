"""The trained no-show risk model, kept in the database (the latest one is used)."""

from __future__ import annotations

from django.db import models


class NoShowModelQuerySet(models.QuerySet):
    def current(self) -> NoShowModel | None:
        return self.order_by("-trained_at", "-pk").first()


class NoShowModel(models.Model):
    trained_at = models.DateTimeField(db_index=True)
    parameters = models.JSONField(help_text="Feature names, weights, intercept and standardisation.")
    metrics = models.JSONField(help_text="Hold-out ROC AUC, Brier score, baseline and calibration table.")
    n_appointments = models.PositiveIntegerField()

    objects = NoShowModelQuerySet.as_manager()

    class Meta:
        ordering = ["-trained_at"]
        verbose_name = "no-show risk model"

    def __str__(self) -> str:
        return f"No-show model of {self.trained_at:%Y-%m-%d %H:%M} (AUC {self.metrics.get('auc', 0):.3f})"

    @property
    def beats_baseline(self) -> bool:
        return bool(self.metrics.get("beats_baseline"))

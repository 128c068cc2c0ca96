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


class DailyAppointmentSummary(models.Model):
    """Appointments per local day (of their start), scan type (and its modality) and status.

    Kept by analytics.summary: every save or delete of an appointment recounts its day in the same
    transaction; a nightly task recounts every day and repairs any drift (bulk loads, raw SQL).
    """

    day = models.DateField()
    scan_type = models.ForeignKey("catalogue.ScanType", on_delete=models.CASCADE, related_name="+")
    modality = models.CharField(max_length=10)
    status = models.CharField(max_length=12)
    appointments = models.PositiveIntegerField()

    class Meta:
        # The app's permissions (analytics/rules.py asks them; migration 0005 gives them to managers).
        permissions = [
            ("view_analytics", "Can see the practice's analytics"),
            ("send_extra_reminder", "Can send a patient an extra reminder from analytics"),
        ]
        constraints = [models.UniqueConstraint(fields=["day", "scan_type", "status"],
                                               name="analytics_daily_appointments_unique")]
        indexes = [models.Index(fields=["day", "modality"], name="analytics_daily_appt_day")]

    def __str__(self) -> str:
        return f"{self.day} {self.modality} {self.status}: {self.appointments}"


class DailyPaymentSummary(models.Model):
    """Money in per local day (of payment), scan type (and modality), payment method and status.

    Counts payments whose money came in (paid, partly or wholly refunded); `net` is amount minus
    refunds, as the revenue figures count it. Kept like DailyAppointmentSummary.
    """

    day = models.DateField()
    scan_type = models.ForeignKey("catalogue.ScanType", on_delete=models.CASCADE, related_name="+")
    modality = models.CharField(max_length=10)
    method = models.CharField(max_length=20)
    status = models.CharField(max_length=20)
    payments = models.PositiveIntegerField()
    net = models.DecimalField(max_digits=14, decimal_places=2)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["day", "scan_type", "method", "status"],
                                               name="analytics_daily_payments_unique")]
        indexes = [models.Index(fields=["day", "modality"], name="analytics_daily_pay_day")]

    def __str__(self) -> str:
        return f"{self.day} {self.modality} {self.method} {self.status}: {self.net}"

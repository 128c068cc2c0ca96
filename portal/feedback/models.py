"""How patients rate their visit: one feedback per completed appointment."""

from __future__ import annotations

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models

from portal.booking.models import Appointment
from portal.core.models import TimeStampedModel


class Feedback(TimeStampedModel):
    appointment = models.OneToOneField(Appointment, on_delete=models.PROTECT, related_name="feedback")
    overall = models.PositiveSmallIntegerField(validators=[MinValueValidator(1), MaxValueValidator(5)])
    waiting_time = models.PositiveSmallIntegerField(validators=[MinValueValidator(1), MaxValueValidator(5)])
    staff = models.PositiveSmallIntegerField(validators=[MinValueValidator(1), MaxValueValidator(5)])
    recommend = models.PositiveSmallIntegerField(
        validators=[MaxValueValidator(10)], help_text="How likely to recommend us, 0 to 10 (NPS)."
    )
    comments = models.TextField(blank=True, max_length=2000)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(condition=models.Q(overall__gte=1, overall__lte=5), name="feedback_overall_1_5"),
            models.CheckConstraint(
                condition=models.Q(waiting_time__gte=1, waiting_time__lte=5), name="feedback_waiting_1_5"
            ),
            models.CheckConstraint(condition=models.Q(staff__gte=1, staff__lte=5), name="feedback_staff_1_5"),
            models.CheckConstraint(condition=models.Q(recommend__lte=10), name="feedback_recommend_0_10"),
        ]

    def __str__(self) -> str:
        return f"Feedback {self.overall}/5 for appointment #{self.appointment_id}"

"""Writes of feedback: one per completed appointment, by its patient."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction

from portal.accounts.models import User
from portal.accounts.permissions import can
from portal.booking.models import Appointment
from portal.feedback.models import Feedback

NOT_COMPLETED = "You can give feedback once your appointment has been completed."
ALREADY_GIVEN = "You have already given feedback for this visit. Thank you!"


@transaction.atomic
def feedback_give(
    *, appointment: Appointment, patient: User, overall: int, waiting_time: int, staff: int, recommend: int,
    comments: str = "",
) -> Feedback:
    if not can(patient, "feedback.give", appointment):
        raise PermissionDenied("Only the patient of this appointment can rate it.")
    appointment = Appointment.objects.select_for_update().get(pk=appointment.pk)
    if appointment.status != Appointment.Status.COMPLETED:
        raise ValidationError(NOT_COMPLETED)
    if Feedback.objects.filter(appointment=appointment).exists():
        raise ValidationError(ALREADY_GIVEN)
    feedback = Feedback(
        appointment=appointment, overall=overall, waiting_time=waiting_time, staff=staff, recommend=recommend,
        comments=(comments or "").strip(),
    )
    feedback.full_clean()
    try:
        with transaction.atomic():
            feedback.save()
    except IntegrityError as exc:  # a second submission racing the first
        raise ValidationError(ALREADY_GIVEN) from exc
    return feedback

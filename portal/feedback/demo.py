"""Demo feedback for completed appointments (all but each patient's latest, so the demo patient can
still try the form). Idempotent."""

from __future__ import annotations

from portal.booking.models import Appointment
from portal.feedback import services
from portal.feedback.models import Feedback

# (overall, waiting, staff, recommend, comment), cycled
ANSWERS = [
    (5, 4, 5, 10, "Friendly staff and the scan was explained clearly."),
    (4, 3, 5, 9, "Waited a little, but everyone was kind."),
    (5, 5, 5, 10, ""),
    (3, 2, 4, 7, "Parking was difficult and the wait was long."),
    (4, 4, 4, 8, "Good service."),
    (2, 1, 3, 4, "Waited over an hour past my appointment time."),
]


def seed(*, stdout, style, options) -> None:
    completed = list(
        Appointment.objects.filter(status=Appointment.Status.COMPLETED, feedback__isnull=True)
        .order_by("patient_id", "-completed_at")
    )
    if not completed and not Feedback.objects.exists():
        stdout.write(style.WARNING("  feedback: no completed appointments yet (the booking demo adds them); skipped"))
        return
    latest = {}
    for pk, patient_id in (Appointment.objects.filter(status=Appointment.Status.COMPLETED)
                           .order_by("patient_id", "completed_at", "pk").values_list("pk", "patient_id")):
        latest[patient_id] = pk
    made = 0
    for appointment in completed:
        if latest.get(appointment.patient_id) == appointment.pk:
            continue  # leave each patient's latest visit to rate by hand
        overall, waiting, staff, recommend, comment = ANSWERS[appointment.pk % len(ANSWERS)]
        services.feedback_give(appointment=appointment, patient=appointment.patient, overall=overall,
                               waiting_time=waiting, staff=staff, recommend=recommend, comments=comment)
        made += 1
    stdout.write(f"  feedback: {made} created")

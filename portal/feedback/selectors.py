"""Reads of feedback, scoped to the user asking."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db.models import Avg, Count, Q, QuerySet
from django.http import Http404

from portal.accounts.models import User
from portal.accounts.permissions import can
from portal.booking.models import Appointment
from portal.feedback.models import Feedback


def appointment_for_feedback(*, user: User, pk: int) -> Appointment:
    """The user's own appointment; 404 for anyone else's."""
    appointment = Appointment.objects.select_related("scan_type").filter(pk=pk).first()
    if appointment is None or not can(user, "feedback.give", appointment):
        raise Http404("No appointment found.")
    return appointment


def feedback_list(*, user: User) -> QuerySet[Feedback]:
    if not can(user, "feedback.list"):
        raise PermissionDenied
    return Feedback.objects.select_related("appointment__patient", "appointment__scan_type").order_by("-created_at")


def feedback_summary(*, queryset: QuerySet[Feedback]) -> dict:
    """Averages and the Net Promoter Score (% promoters 9-10 minus % detractors 0-6)."""
    data = queryset.aggregate(
        count=Count("pk"), overall=Avg("overall"), waiting_time=Avg("waiting_time"), staff=Avg("staff"),
        promoters=Count("pk", filter=Q(recommend__gte=9)), detractors=Count("pk", filter=Q(recommend__lte=6)),
    )
    count = data["count"] or 0
    data["nps"] = round(100 * (data["promoters"] - data["detractors"]) / count) if count else None
    return data

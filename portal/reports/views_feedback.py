"""The seed's feedback URL, /reports/<id>/feedback/: the feedback form (the feedback app's) for
that report's visit. Here, not in feedback, because feedback sits below reports and never imports it."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse

from portal.feedback import selectors as feedback_selectors
from portal.feedback.views import give_for_appointment
from portal.reports.models import Report


def feedback(request: HttpRequest, pk: int) -> HttpResponse:
    appointment_id = Report.objects.filter(pk=pk).values_list("appointment_id", flat=True).first()
    if appointment_id is None:
        raise Http404("No report found.")
    return give_for_appointment(request, feedback_selectors.appointment_for_feedback(user=request.user,
                                                                                   pk=appointment_id))

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from portal.booking.models import Appointment
from portal.feedback import selectors, services
from portal.feedback.forms import FeedbackForm
from portal.feedback.models import Feedback


def give_for_appointment(request: HttpRequest, appointment: Appointment) -> HttpResponse:
    """The feedback form for a visit the caller has already scoped to the patient (see selectors)."""
    existing = Feedback.objects.filter(appointment=appointment).first()
    completed = appointment.status == Appointment.Status.COMPLETED
    form = FeedbackForm(request.POST or None)
    if request.method == "POST":
        if form.is_valid():
            try:
                services.feedback_give(appointment=appointment, patient=request.user, **form.cleaned_data)
            except ValidationError as exc:
                messages.error(request, " ".join(exc.messages))
            else:
                messages.success(request, "Thank you for your feedback.")
                return redirect("feedback:give", appointment_id=appointment.pk)
        else:
            messages.error(request, "Please answer each question with one of the choices shown.")
    elif existing is None and not completed:
        messages.info(request, services.NOT_COMPLETED)
    status = 400 if request.method == "POST" else 200
    return render(request, "feedback/give.html", {
        "appointment": appointment, "form": form, "existing": existing, "completed": completed,
    }, status=status)


def give(request: HttpRequest, appointment_id: int) -> HttpResponse:
    return give_for_appointment(request, selectors.appointment_for_feedback(user=request.user, pk=appointment_id))


def staff_list(request: HttpRequest) -> HttpResponse:
    queryset = selectors.feedback_list(user=request.user)
    page = Paginator(queryset, 50).get_page(request.GET.get("page"))
    return render(request, "feedback/list.html", {
        "page": page, "summary": selectors.feedback_summary(queryset=queryset),
    })

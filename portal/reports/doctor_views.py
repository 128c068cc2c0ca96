"""The referring doctor's pages (their portal's one home, here in reports, which it reads): their
referrals with the reports, and sending a new one through referrals' services. Unverified doctors
see an "awaiting verification" page; other roles are refused."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from portal.accounts.permissions import can
from portal.referrals import doctor_services as services
from portal.referrals.doctor_forms import DoctorReferralForm
from portal.reports import doctor_selectors

SENT = ("Referral sent. We have emailed the patient an invitation to accept it; it shows as waiting "
        "until they do.")


def _gate(request: HttpRequest) -> HttpResponse | None:
    """None for a verified doctor; the waiting page for an unverified one; 403 for anyone else."""
    if can(request.user, "accounts.use_doctor_portal"):
        return None
    if can(request.user, "accounts.await_doctor_verification"):
        return render(request, "referrals/doctor/awaiting_verification.html",
                      {"doctor": getattr(request.user, "doctor_profile", None)})
    raise PermissionDenied


def referral_list(request: HttpRequest) -> HttpResponse:
    if (response := _gate(request)) is not None:
        return response
    page = Paginator(doctor_selectors.doctor_referrals(user=request.user), 50).get_page(request.GET.get("page"))
    rows = [
        {"referral": r, "status": services.referral_display_status(r, has_final_report=r.has_final_report)}
        for r in page.object_list
    ]
    return render(request, "referrals/doctor/list.html", {"page": page, "rows": rows})


def referral_detail(request: HttpRequest, pk: int) -> HttpResponse:
    if (response := _gate(request)) is not None:
        return response
    referral = doctor_selectors.doctor_referral_get(user=request.user, pk=pk)
    return render(request, "referrals/doctor/detail.html", {
        "referral": referral,
        "status": services.referral_display_status(referral, has_final_report=referral.has_final_report),
        "reports": doctor_selectors.doctor_referral_reports(referral=referral),
    })


def referral_create(request: HttpRequest) -> HttpResponse:
    if (response := _gate(request)) is not None:
        return response
    form = DoctorReferralForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.doctor_referral_create(
                doctor_user=request.user, first_name=data["first_name"], last_name=data["last_name"],
                date_of_birth=data["date_of_birth"], email=data["email"], scan_type=data["scan_type"],
                clinical_notes=data["clinical_notes"], uploaded_file=data["file"], request=request,
            )
        except ValidationError as exc:
            form.add_error(None, " ".join(exc.messages))
        else:
            # One message and one redirect whatever the portal knows of the patient (issue 13, item 11).
            messages.success(request, SENT)
            return redirect("doctor:referrals")
    return render(request, "referrals/doctor/create.html", {"form": form})

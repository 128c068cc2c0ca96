"""Referral letters: upload in the booking wizard and from the appointment page; the
permission-checked download. (The referring doctor's pages are in doctor_views.py.)"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from portal.accounts.permissions import can
from portal.booking import selectors as booking_selectors
from portal.booking.wizard import load_step, step_context, wizard_view
from portal.core.clientip import client_ip
from portal.referrals import invitations, selectors, services
from portal.referrals.forms import DiagnosisForm, LinkDoctorForm, ReferralUploadForm
from portal.referrals.models import Referral


@wizard_view("referral")
def book_referral(request: HttpRequest, step: str) -> HttpResponse:
    """The wizard's referral step (for scans that need a doctor's letter)."""
    wizard, patient, scan = load_step(request, step)
    current = None
    if wizard.state.get("referral_id"):
        current = selectors.referral_get_unattached(patient=patient, pk=wizard.state["referral_id"])
        if current is None:
            wizard.drop("referral_id")
    form = ReferralUploadForm()
    if request.method == "POST":
        if current is not None and "keep" in request.POST:
            return redirect(wizard.redirect_url(wizard.first_missing(scan)))
        form = ReferralUploadForm(request.POST, request.FILES)
        if form.is_valid():
            try:
                referral = services.referral_upload(
                    patient=patient,
                    uploaded_file=form.cleaned_data["file"],
                    uploaded_by=request.user,
                    scan_type=scan,
                    doctor_name=form.cleaned_data["doctor_name"],
                )
            except ValidationError as exc:
                form.add_error("file", exc.messages[0])
                messages.error(request, f"The letter was not uploaded: {exc.messages[0]}")
            else:
                wizard.update(referral_id=referral.pk)
                messages.success(request, "Referral letter received.")
                return redirect(wizard.redirect_url(wizard.first_missing(scan)))
        else:
            messages.error(
                request, "The letter was not uploaded: " + " ".join(e for errs in form.errors.values() for e in errs)
            )
    return render(
        request,
        "referrals/book_referral.html",
        step_context(request, wizard, patient, scan, step, form=form, current=current),
    )


@require_POST
def upload_for_appointment(request: HttpRequest, pk: int) -> HttpResponse:
    """Add a referral letter later, from the appointment page."""
    appointment = booking_selectors.appointment_get_for(user=request.user, pk=pk)
    if not can(request.user, "referrals.upload_for_appointment", appointment):
        raise PermissionDenied
    form = ReferralUploadForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            services.referral_upload(
                patient=appointment.patient,
                uploaded_file=form.cleaned_data["file"],
                uploaded_by=request.user,
                appointment=appointment,
                doctor_name=form.cleaned_data["doctor_name"],
            )
        except ValidationError as exc:
            messages.error(request, f"The letter was not uploaded: {exc.messages[0]}")
        else:
            messages.success(request, "Referral letter received. Thank you.")
    else:
        messages.error(
            request, "The letter was not uploaded: " + " ".join(e for errs in form.errors.values() for e in errs)
        )
    return redirect("booking:detail", pk=appointment.pk)


def referral_file(request: HttpRequest, pk: int) -> FileResponse:
    """Stream a referral letter to someone allowed to see it, and record the access."""
    referral = selectors.referral_get_for(user=request.user, pk=pk)
    try:
        handle = referral.file.open("rb")
    except (FileNotFoundError, ValueError):
        raise Http404("The file is missing.") from None
    services.referral_record_access(referral=referral, user=request.user, ip_address=client_ip(request))
    extension = {"application/pdf": "pdf", "image/jpeg": "jpg", "image/png": "png"}.get(referral.content_type, "bin")
    response = FileResponse(
        handle, as_attachment=True, filename=f"referral-{referral.pk}.{extension}", content_type=referral.content_type
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


@require_POST
def link_doctor(request: HttpRequest, pk: int) -> HttpResponse:
    """Reception links a letter to the registered doctor who wrote it (404 for anyone else)."""
    referral = Referral.objects.select_related("appointment").filter(pk=pk).first()
    if referral is None or not can(request.user, "referrals.link_doctor", referral):
        raise Http404
    form = LinkDoctorForm(request.POST)
    if not form.is_valid():
        messages.error(request, "The referral was not linked: " + " ".join(
            e for errs in form.errors.values() for e in errs))
    else:
        try:
            services.referral_link_doctor(referral=referral, doctor=form.cleaned_data["doctor"], by=request.user)
        except ValidationError as exc:
            messages.error(request, f"The referral was not linked: {exc.messages[0]}")
        else:
            doctor = form.cleaned_data["doctor"].user.get_full_name()
            messages.success(request, f"Linked to Dr {doctor}: they can follow it and read its report.")
    if referral.appointment_id:
        return redirect("booking:detail", referral.appointment_id)
    return redirect("accounts:dashboard")


@require_POST
def set_diagnosis(request: HttpRequest, pk: int) -> HttpResponse:
    """Staff record the letter's ICD-10 codes (404 for anyone else)."""
    referral = Referral.objects.select_related("appointment").filter(pk=pk).first()
    if referral is None or not can(request.user, "referrals.set_diagnosis", referral):
        raise Http404
    form = DiagnosisForm(request.POST)
    if form.is_valid():
        try:
            referral = services.referral_set_diagnosis(referral=referral, codes=form.cleaned_data["codes"],
                                                       by=request.user)
        except ValidationError as exc:
            messages.error(request, f"The diagnosis codes were not saved: {exc.messages[0]}")
        else:
            messages.success(request, "Diagnosis codes saved: " + (", ".join(referral.icd10_codes) or "none") + ".")
    else:
        messages.error(request, "The diagnosis codes were not saved: " + " ".join(
            e for errs in form.errors.values() for e in errs))
    if referral.appointment_id:
        return redirect("booking:detail", referral.appointment_id)
    return redirect("accounts:dashboard")


def invitation(request: HttpRequest, token: str) -> HttpResponse:
    """The emailed link to accept a doctor's referral: set a password (an invited account), sign in
    (a registered one), or accept (the signed-in owner of the invited, verified address). Unknown
    token or someone else's invitation: 404; used or expired: a clear refusal, nothing changed."""
    from django.contrib.auth.views import redirect_to_login

    try:
        step = invitations.invitation_step(token=token, user=request.user)
        if step.action == "set_password":
            return redirect(step.url)
        if step.action == "sign_in":
            return redirect_to_login(request.get_full_path())
        if request.method == "POST":
            invitations.referral_invitation_accept(invitation=step.invitation, user=request.user)
            messages.success(request, "Referral accepted. It is now on your account: you can book the scan.")
            return redirect("accounts:dashboard")
    except invitations.InvitationRefused as refused:
        return render(request, "referrals/invitation_refused.html", {"message": refused.message}, status=410)
    return render(request, "referrals/invitation.html", {"invitation": step.invitation,
                                                         "referral": step.invitation.referral})

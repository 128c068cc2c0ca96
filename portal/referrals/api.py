"""The referrals router: upload a doctor's letter (then book with its id, or attach it later)."""

from __future__ import annotations

import datetime as dt

from django.http import HttpRequest
from ninja import Field, File, Form, Router, Schema, Status, UploadedFile

from portal.accounts.api import session_token
from portal.accounts.permissions import can
from portal.booking.selectors import appointment_get_for
from portal.catalogue.selectors import scan_type_get_bookable
from portal.core.api import MAX_ID, Problem, ProblemOut, local
from portal.referrals import services
from portal.referrals.models import Referral

router = Router(tags=["referrals"], auth=session_token)


class ReferralOut(Schema):
    id: int
    status: str
    original_name: str
    content_type: str
    size: int
    doctor_name: str
    appointment_id: int | None
    uploaded_at: dt.datetime


def referral_out(referral: Referral) -> dict:
    return {"id": referral.pk, "status": referral.status, "original_name": referral.original_name,
            "content_type": referral.content_type, "size": referral.size, "doctor_name": referral.doctor_name,
            "appointment_id": referral.appointment_id, "uploaded_at": local(referral.created_at)}


class ReferralForm(Schema):
    doctor_name: str = Field("", max_length=150)
    scan_type: str | None = Field(None, max_length=50)
    appointment_id: int | None = Field(None, ge=1, le=MAX_ID, description="Add the letter to this appointment")


@router.post("/referrals", response={201: ReferralOut, 400: ProblemOut, 401: ProblemOut, 403: ProblemOut,
                                     404: ProblemOut, 422: ProblemOut, 503: ProblemOut},
             summary="Upload a referral letter (PDF, JPEG or PNG)")
def referral_upload(request: HttpRequest, file: File[UploadedFile], form: Form[ReferralForm]):
    """503 (with Retry-After) when the server's file storage is full: nothing is stored then."""
    patient = request.auth
    appointment = None
    if form.appointment_id is not None:
        appointment = appointment_get_for(user=patient, pk=form.appointment_id)
        if not (appointment.patient_id == patient.pk and can(patient, "referrals.upload_for_appointment", appointment)):
            raise Problem(403, "A letter can be added only to your own appointment that is still active.")
    elif not can(patient, "booking.book"):
        raise Problem(403, "Only patients upload referral letters here.")
    scan = scan_type_get_bookable(code=form.scan_type) if form.scan_type else None
    referral = services.referral_upload(patient=patient, uploaded_file=file, uploaded_by=patient,
                                        appointment=appointment, scan_type=scan, doctor_name=form.doctor_name)
    return Status(201, referral_out(referral))

"""The feedback router: rate a completed visit (once)."""

from __future__ import annotations

import datetime as dt

from django.http import HttpRequest
from ninja import Field, Router, Schema, Status

from portal.accounts.api import session_token
from portal.core.api import Input, ProblemOut, local, path_id
from portal.feedback import selectors, services

router = Router(tags=["feedback"], auth=session_token)


class FeedbackIn(Input):
    overall: int = Field(..., ge=1, le=5)
    waiting_time: int = Field(..., ge=1, le=5)
    staff: int = Field(..., ge=1, le=5)
    recommend: int = Field(..., ge=0, le=10, description="How likely you are to recommend us, 0 to 10")
    comments: str = Field("", max_length=2000)


class FeedbackOut(Schema):
    appointment_id: int
    overall: int
    waiting_time: int
    staff: int
    recommend: int
    comments: str
    given_at: dt.datetime


@router.post("/appointments/{appointment_id}/feedback",
             response={201: FeedbackOut, 400: ProblemOut, 401: ProblemOut, 403: ProblemOut, 404: ProblemOut,
                       422: ProblemOut},
             summary="Rate a completed appointment")
def feedback_give(request: HttpRequest, body: FeedbackIn, appointment_id: int = path_id()):
    appointment = selectors.appointment_for_feedback(user=request.auth, pk=appointment_id)
    feedback = services.feedback_give(appointment=appointment, patient=request.auth, **body.dict())
    return Status(201, {
        "appointment_id": appointment.pk, "overall": feedback.overall, "waiting_time": feedback.waiting_time,
        "staff": feedback.staff, "recommend": feedback.recommend, "comments": feedback.comments,
        "given_at": local(feedback.created_at),
    })

"""The notifications router: how the patient wants to hear from us."""

from __future__ import annotations

from django.http import HttpRequest
from ninja import Field, Router, Schema

from portal.accounts.api import session_token
from portal.core.api import Input, Problem, ProblemOut
from portal.notifications import selectors, services, whatsapp
from portal.notifications.forms import PreferenceForm

router = Router(tags=["notifications"], auth=session_token)


# Wall-clock times in the practice's zone, "HH:MM" (JSON Schema's "time" format wants an offset).
HHMM = r"^([01][0-9]|2[0-3]):[0-5][0-9]$"


class PreferencesOut(Schema):
    notify_by_email: bool
    notify_by_sms: bool
    notify_by_whatsapp: bool
    whatsapp_available: bool = Field(..., description="Whether the practice sends WhatsApp messages at all.")
    sms_opted_out: bool
    quiet_hours: bool
    quiet_start: str = Field(..., pattern=HHMM, examples=["21:00"])
    quiet_end: str = Field(..., pattern=HHMM, examples=["07:00"])


class PreferencesIn(Input):
    notify_by_email: bool
    notify_by_sms: bool
    notify_by_whatsapp: bool | None = Field(None, description="Left out: unchanged. Only while WhatsApp is available.")
    sms_opted_out: bool
    quiet_hours: bool
    quiet_start: str = Field(..., pattern=HHMM, examples=["21:00"])
    quiet_end: str = Field(..., pattern=HHMM, examples=["07:00"])


def _out(user) -> dict:
    preference = selectors.preference_get_for(user=user)
    return {"notify_by_email": user.notify_by_email, "notify_by_sms": user.notify_by_sms,
            "notify_by_whatsapp": user.notify_by_whatsapp, "whatsapp_available": whatsapp.is_enabled(),
            "sms_opted_out": preference.sms_opted_out, "quiet_hours": preference.quiet_hours,
            "quiet_start": preference.quiet_start.strftime("%H:%M"),
            "quiet_end": preference.quiet_end.strftime("%H:%M")}


@router.get("/notification-preferences", response={200: PreferencesOut, 401: ProblemOut},
            summary="Your notification channels and quiet hours")
def preferences_get(request: HttpRequest):
    return _out(request.auth)


@router.put("/notification-preferences", response={200: PreferencesOut, 400: ProblemOut, 401: ProblemOut,
                                                  422: ProblemOut},
            summary="Change your notification channels and quiet hours")
def preferences_put(request: HttpRequest, body: PreferencesIn):
    # The web form's rules (SMS needs a phone number; quiet hours must span time) apply here too.
    data = body.dict()
    if data["notify_by_whatsapp"] is None:
        data["notify_by_whatsapp"] = request.auth.notify_by_whatsapp
    form = PreferenceForm({k: v for k, v in data.items() if v is not False}, user=request.auth)
    if not form.is_valid():
        errors = [{"loc": ["body", field], "msg": msg, "type": "invalid"}
                  for field, msgs in form.errors.items() for msg in msgs]
        raise Problem(400, " ".join(e["msg"] for e in errors), errors=errors)
    services.preference_update(user=request.auth, **form.cleaned_data)
    request.auth.refresh_from_db()
    return _out(request.auth)

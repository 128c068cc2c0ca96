"""The practice's details and hours for the app (public), from the Wagtail site settings."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest
from ninja import Router, Schema

from portal.core.models import PracticeSettings

router = Router(tags=["practice"], auth=None)


class PracticeOut(Schema):
    name: str
    tagline: str
    phone: str
    email: str
    address: str
    opening_hours: list[str]
    time_zone: str
    currency: str


@router.get("/practice", response=PracticeOut, summary="The practice's details and opening hours")
def practice(request: HttpRequest):
    details = PracticeSettings.for_request(request)
    return {
        "name": details.practice_name, "tagline": details.tagline, "phone": details.phone,
        "email": details.email, "address": details.address,
        "opening_hours": [line.strip() for line in details.opening_hours.splitlines() if line.strip()],
        "time_zone": settings.TIME_ZONE, "currency": settings.CURRENCY,
    }

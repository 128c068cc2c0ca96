"""The practice's details and hours for the app (public): the practice details (portal.core) and the
rooms' weekly hours, the same sources the website shows."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest
from ninja import Router, Schema

from portal.core.practice import practice_details
from portal.core.registry import opening_hours_lines

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
    details = practice_details()
    return {
        "name": details.name, "tagline": details.tagline, "phone": details.phone,
        "email": details.email, "address": details.address,
        "opening_hours": opening_hours_lines(),
        "time_zone": settings.TIME_ZONE, "currency": settings.CURRENCY,
    }

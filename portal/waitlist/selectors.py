"""Reads of the waitlist, scoped to the user asking."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db.models import Prefetch, QuerySet
from django.http import Http404

from portal.accounts.models import User
from portal.accounts.permissions import can
from portal.waitlist.models import WaitlistEntry, WaitlistOffer


def entries_for(*, user: User) -> QuerySet[WaitlistEntry]:
    offers = WaitlistOffer.objects.order_by("-created_at")
    return (WaitlistEntry.objects.filter(patient=user).select_related("scan_type", "replaces")
            .prefetch_related(Prefetch("offers", queryset=offers)).order_by("-created_at"))


def entry_get_for(*, user: User, pk: int) -> WaitlistEntry:
    entry = WaitlistEntry.objects.select_related("scan_type", "patient").filter(pk=pk).first()
    if entry is None or (entry.patient_id != user.pk and not can(user, "waitlist.manage")):
        raise Http404("No such waitlist entry.")
    return entry


def offer_get_for(*, user: User, pk: int) -> WaitlistOffer:
    """An offer made to this patient (staff see none here: offers are the patient's to take)."""
    offer = (WaitlistOffer.objects.select_related("entry__scan_type", "entry__patient", "room")
             .filter(pk=pk, entry__patient=user).first())
    if offer is None:
        raise Http404("No such offer.")
    return offer


def staff_waitlist(*, user: User) -> list[dict]:
    """Waiting entries by scan type, in join order, with their latest offer."""
    if not can(user, "waitlist.manage"):
        raise PermissionDenied
    offers = WaitlistOffer.objects.order_by("-created_at")
    entries = (WaitlistEntry.objects.filter(status=WaitlistEntry.Status.WAITING)
               .select_related("scan_type", "patient").prefetch_related(Prefetch("offers", queryset=offers))
               .order_by("scan_type__name", "created_at", "pk"))
    groups: dict[int, dict] = {}
    for entry in entries:
        group = groups.setdefault(entry.scan_type_id, {"scan_type": entry.scan_type, "entries": []})
        group["entries"].append(entry)
    return list(groups.values())

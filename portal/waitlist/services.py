"""Writes of the waitlist: join, leave, offer a freed slot, pass expired offers on, close offers
whose slot was taken, and record the booking an offer led to.

A freed slot goes to the first matching entries in join order (WAITLIST_OFFERS_PER_SLOT at once),
each offer open for WAITLIST_OFFER_MINUTES. Nothing is reserved: accepting goes through the
booking wizard (screening and quote still apply) and `appointment_book` with its locking, so the
first to confirm wins; the others' offers close as "taken" and they stay on the list.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from portal.accounts.models import User
from portal.accounts.permissions import can
from portal.booking import services as booking_services
from portal.booking.models import Appointment, Room
from portal.booking.selectors import slots_for
from portal.catalogue.models import ScanType
from portal.core import signals
from portal.core.clock import practice_tz
from portal.waitlist.models import WaitlistEntry, WaitlistOffer

Entry, Offer = WaitlistEntry, WaitlistOffer


def offer_minutes() -> int:
    return settings.WAITLIST_OFFER_MINUTES


def _local(moment: dt.datetime) -> dt.datetime:
    return moment.astimezone(practice_tz())


def fits(entry: WaitlistEntry, start: dt.datetime) -> bool:
    """Does a slot at `start` fall in the entry's dates and time of day? (Pure.)"""
    local = _local(start)
    if not entry.earliest <= local.date() <= entry.latest:
        return False
    if entry.time_of_day == Entry.TimeOfDay.MORNING:
        return local.hour < 12
    if entry.time_of_day == Entry.TimeOfDay.AFTERNOON:
        return local.hour >= 12
    return True


def slot_is_free(*, scan_type: ScanType, start: dt.datetime) -> bool:
    """Could a patient book `scan_type` at `start` online right now (any room)?"""
    return any(slot.start == start for slot in slots_for(scan_type=scan_type, day=_local(start).date()))


@transaction.atomic
def waitlist_join(*, patient: User, scan_type: ScanType, earliest: dt.date, latest: dt.date,
                  time_of_day: str = Entry.TimeOfDay.ANY, replaces: Appointment | None = None) -> WaitlistEntry:
    if not can(patient, "waitlist.join"):
        raise PermissionDenied
    today = timezone.localdate()
    if earliest < today:
        raise ValidationError({"earliest": "The first day cannot be in the past."})
    if latest < earliest:
        raise ValidationError({"latest": "The last day cannot be before the first day."})
    horizon = today + dt.timedelta(days=settings.BOOKING_HORIZON_DAYS)
    if earliest > horizon:
        raise ValidationError({"earliest": f"We book up to {settings.BOOKING_HORIZON_DAYS} days ahead."})
    if replaces is not None and (replaces.patient_id != patient.pk or not replaces.holds_slot):
        raise ValidationError("That appointment cannot be moved.")
    if Entry.objects.filter(patient=patient, scan_type=scan_type, status=Entry.Status.WAITING).exists():
        raise ValidationError("You are already on the waitlist for this scan. Leave it first to change the dates.")
    entry = Entry(patient=patient, scan_type=scan_type, earliest=earliest, latest=min(latest, horizon),
                  time_of_day=time_of_day, replaces=replaces)
    entry.full_clean()
    entry.save()
    return entry


@transaction.atomic
def waitlist_leave(*, entry: WaitlistEntry, by: User) -> WaitlistEntry:
    entry = Entry.objects.select_for_update().get(pk=entry.pk)
    if entry.patient_id != by.pk and not can(by, "waitlist.manage"):
        raise PermissionDenied
    if entry.status == Entry.Status.WAITING:
        entry.status = Entry.Status.LEFT
        entry.save(update_fields=["status", "updated_at"])
        entry.offers.filter(status=Offer.Status.OPEN).update(status=Offer.Status.DECLINED,
                                                              responded_at=timezone.now(), updated_at=timezone.now())
    return entry


def _candidates(room: Room, start: dt.datetime):
    """Waiting entries, in join order, for a scan this room does, that fit `start`, have no open
    offer and were never offered this start."""
    local_day = _local(start).date()
    entries = (
        Entry.objects.select_related("scan_type", "patient")
        .filter(status=Entry.Status.WAITING, scan_type__modality=room.modality,
                earliest__lte=local_day, latest__gte=local_day)
        .exclude(offers__status=Offer.Status.OPEN)
        .exclude(offers__start=start)
        .order_by("created_at", "pk")
    )
    for entry in entries:
        if fits(entry, start) and (entry.replaces is None or entry.replaces.start > start):
            yield entry


@transaction.atomic
def waitlist_offer_slot(*, room: Room, start: dt.datetime, now: dt.datetime | None = None,
                        limit: int | None = None) -> list[WaitlistOffer]:
    """Offer a freed slot to the first matching entries (join order) whose scan it can hold now."""
    now = now or timezone.now()
    if start <= now:
        return []
    limit = settings.WAITLIST_OFFERS_PER_SLOT if limit is None else limit
    open_now = Offer.objects.filter(start=start, room=room, status=Offer.Status.OPEN, expires_at__gt=now).count()
    made: list[WaitlistOffer] = []
    free_for: dict[int, bool] = {}
    for entry in _candidates(room, start):
        if open_now + len(made) >= limit:
            break
        if entry.scan_type_id not in free_for:
            free_for[entry.scan_type_id] = slot_is_free(scan_type=entry.scan_type, start=start)
        if not free_for[entry.scan_type_id]:
            continue
        made.append(_offer(entry=entry, room=room, start=start, now=now))
    return made


def _days(first: dt.date, last: dt.date) -> list[dt.date]:
    return [first + dt.timedelta(days=n) for n in range((last - first).days + 1)]


def waitlist_offer_reopened(*, rooms: list[Room], first_day: dt.date, last_day: dt.date,
                            now: dt.datetime | None = None) -> list[WaitlistOffer]:
    """A closure lifted: for each waiting entry (join order) whose dates meet the days given back, the
    first free time in those rooms that fits it and still takes an offer (WAITLIST_OFFERS_PER_SLOT)
    is offered, as for a cancelled slot; an entry with an open offer is passed over."""
    now = now or timezone.now()
    first_day = max(first_day, _local(now).date())
    made: list[WaitlistOffer] = []
    if last_day < first_day:
        return made
    for room in rooms:
        entries = (Entry.objects.select_related("scan_type").filter(
            status=Entry.Status.WAITING, scan_type__modality=room.modality, earliest__lte=last_day,
            latest__gte=first_day).exclude(offers__status=Offer.Status.OPEN).order_by("created_at", "pk"))
        for entry in entries:
            days = (max(first_day, entry.earliest), min(last_day, entry.latest))
            starts = [slot.start for day in _days(*days) for slot in slots_for(scan_type=entry.scan_type, day=day,
                                                                               room=room)
                      if fits(entry, slot.start) and slot.start > now]
            for start in starts:  # the first time still open to one more offer
                made.extend(waitlist_offer_slot(room=room, start=start, now=now))
                if entry.offers.filter(status=Offer.Status.OPEN).exists():
                    break
    return made


def _offer(*, entry: WaitlistEntry, room: Room, start: dt.datetime, now: dt.datetime,
           offered_by: User | None = None) -> WaitlistOffer:
    offer = Offer(entry=entry, room=room, start=start, expires_at=now + dt.timedelta(minutes=offer_minutes()),
                  offered_by=offered_by)
    offer.full_clean()
    offer.save()
    signals.send_on_commit(signals.waitlist_offer_made, sender=Offer, offer=offer)
    return offer


@transaction.atomic
def waitlist_offer_by_hand(*, entry: WaitlistEntry, start: dt.datetime, by: User) -> WaitlistOffer:
    """Staff offer one free time to one waiting patient."""
    if not can(by, "waitlist.manage"):
        raise PermissionDenied
    entry = Entry.objects.select_for_update().select_related("scan_type").get(pk=entry.pk)
    if entry.status != Entry.Status.WAITING:
        raise ValidationError("This patient is no longer waiting.")
    if entry.offers.filter(status=Offer.Status.OPEN, expires_at__gt=timezone.now()).exists():
        raise ValidationError("This patient already has an open offer.")
    if entry.offers.filter(start=start).exists():
        raise ValidationError("This time was offered to this patient before.")
    free = [s for s in slots_for(scan_type=entry.scan_type, day=_local(start).date(), staff=True) if s.start == start]
    if not free:
        raise ValidationError("That time is not free for this scan.")
    room = Room.objects.get(pk=free[0].room_ids[0])
    return _offer(entry=entry, room=room, start=start, now=timezone.now(), offered_by=by)


@transaction.atomic
def waitlist_offers_expire(*, now: dt.datetime | None = None) -> int:
    """Close offers past their hold and pass each slot on to the next person in line."""
    now = now or timezone.now()
    due = list(Offer.objects.select_for_update().filter(status=Offer.Status.OPEN, expires_at__lte=now)
               .select_related("room"))
    if not due:
        return 0
    Offer.objects.filter(pk__in=[o.pk for o in due]).update(status=Offer.Status.EXPIRED, updated_at=now)
    for room, start in {(o.room, o.start) for o in due}:
        waitlist_offer_slot(room=room, start=start, now=now)
    return len(due)


@transaction.atomic
def waitlist_slot_taken(*, appointment: Appointment, now: dt.datetime | None = None) -> int:
    """A booking was made. If it took up one of the patient's own offers, that offer is accepted
    (and an appointment it replaces is cancelled, freeing that slot in turn); then every other open
    offer whose slot can no longer be booked closes as "taken", its patient told kindly and still
    waiting. Safe to run twice."""
    now = now or timezone.now()
    waitlist_record_booking(appointment=appointment, now=now)
    window = (appointment.start - dt.timedelta(hours=12), appointment.end)
    offers = list(Offer.objects.select_for_update().select_related("entry__scan_type")
                  .filter(status=Offer.Status.OPEN, start__gte=window[0], start__lt=window[1]))
    closed = 0
    for offer in offers:
        if not slot_is_free(scan_type=offer.entry.scan_type, start=offer.start):
            Offer.objects.filter(pk=offer.pk).update(status=Offer.Status.TAKEN, responded_at=now, updated_at=now)
            signals.send_on_commit(signals.waitlist_offer_taken, sender=Offer, offer=offer)
            closed += 1
    return closed


def waitlist_record_booking(*, appointment: Appointment, now: dt.datetime) -> WaitlistOffer | None:
    """The patient's offer of this very slot and scan, if any, becomes accepted; its entry booked."""
    if not appointment.holds_slot:
        return None
    offer = (Offer.objects.select_for_update(of=("self", "entry")).select_related("entry__replaces")
             .filter(entry__patient_id=appointment.patient_id, entry__scan_type_id=appointment.scan_type_id,
                     start=appointment.start, status__in=[Offer.Status.OPEN, Offer.Status.EXPIRED])
             .first())
    if offer is None:
        return None
    offer.status, offer.responded_at, offer.appointment = Offer.Status.ACCEPTED, now, appointment
    offer.save(update_fields=["status", "responded_at", "appointment", "updated_at"])
    entry = offer.entry
    entry.status, entry.booked_appointment = Entry.Status.BOOKED, appointment
    entry.save(update_fields=["status", "booked_appointment", "updated_at"])
    old = entry.replaces
    if old is not None and old.pk != appointment.pk and old.status in (Appointment.Status.REQUESTED,
                                                                       Appointment.Status.CONFIRMED):
        booking_services.appointment_cancel(appointment=old, by=appointment.patient,
                                            reason="Moved to an earlier time from the waitlist.")
    return offer


@transaction.atomic
def waitlist_offer_decline(*, offer: WaitlistOffer, by: User) -> WaitlistOffer:
    """The patient says no thanks (they stay on the list); the slot passes to the next person."""
    offer = Offer.objects.select_for_update().select_related("entry", "room").get(pk=offer.pk)
    if offer.entry.patient_id != by.pk:
        raise PermissionDenied
    if offer.status == Offer.Status.OPEN:
        now = timezone.now()
        offer.status, offer.responded_at = Offer.Status.DECLINED, now
        offer.save(update_fields=["status", "responded_at", "updated_at"])
        waitlist_offer_slot(room=offer.room, start=offer.start, now=now)
    return offer


def offer_check(offer: WaitlistOffer, *, now: dt.datetime | None = None) -> str | None:
    """Why this offer cannot be taken up now (a message for the patient), or None."""
    now = now or timezone.now()
    if offer.status == Offer.Status.TAKEN:
        return "Sorry, someone else booked this time first. You stay on the waitlist."
    if offer.status != Offer.Status.OPEN or offer.entry.status != Entry.Status.WAITING:
        return "This offer is closed."
    if offer.expires_at <= now:
        return "Sorry, this offer has expired and passed to the next person. You stay on the waitlist."
    if not slot_is_free(scan_type=offer.entry.scan_type, start=offer.start):
        return "Sorry, someone else booked this time first. You stay on the waitlist."
    return None

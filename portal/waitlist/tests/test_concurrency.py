"""Two people on the waitlist accept offers of the same slot and confirm at the same moment: one
booking; the other is told the time was taken and stays on the list. Real threads, real commits."""

from __future__ import annotations

import re
import threading

from django.db import connection
from django.test import Client
from django.urls import reverse

from portal.accounts.roles import Role
from portal.accounts.tests.factories import user_with_role
from portal.booking import services as booking
from portal.booking.models import Appointment
from portal.booking.tests.conftest import local, open_every_day
from portal.booking.tests.factories import RoomFactory
from portal.catalogue.tests.factories import ScanTypeFactory
from portal.waitlist import services
from portal.waitlist.models import WaitlistEntry, WaitlistOffer


def test_two_people_accepting_one_slot_at_once_make_one_booking(committed_db, day, settings):
    settings.WAITLIST_OFFERS_PER_SLOT = 2
    room = open_every_day(RoomFactory(name="X-ray wait race"))
    scan = ScanTypeFactory(code="wait-race", duration_minutes=15)
    holder = user_with_role(Role.PATIENT)
    appointment = booking.appointment_book(patient=holder, scan_type=scan, start=local(day, 10), plan=None,
                                           member_number="", screening_answers={}, booked_by=holder)
    waiting = [user_with_role(Role.PATIENT) for _ in range(2)]
    for user in waiting:
        services.waitlist_join(patient=user, scan_type=scan, earliest=day, latest=day)
    booking.appointment_cancel(appointment=appointment, by=holder, reason="Cannot come")
    services.waitlist_offer_slot(room=room, start=appointment.start)  # what the queued task does
    offers = list(WaitlistOffer.objects.order_by("pk"))
    assert len(offers) == 2 and {o.entry.patient_id for o in offers} == {u.pk for u in waiting}

    clients = []
    for user, offer in zip(waiting, offers, strict=True):
        client = Client()
        client.force_login(user)
        assert client.post(reverse("waitlist:offer_accept", args=[offer.pk])).status_code == 302
        client.post(reverse("booking:book_payment"), {"method": "self"})
        page = client.get(reverse("booking:book_confirm"))
        token = re.search(r'name="token" value="([^"]+)"', page.content.decode()).group(1)
        clients.append((client, token))
    connection.close()

    barrier = threading.Barrier(2)
    results: list[str] = []
    errors: list[BaseException] = []

    def confirm(client: Client, token: str) -> None:
        try:
            barrier.wait(timeout=60)
            response = client.post(reverse("booking:book_confirm"), {"token": token})
            results.append(f"{response.status_code} {response.get('Location', '')}")
        except BaseException as exc:  # noqa: BLE001 - every failure is counted
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=confirm, args=pair) for pair in clients]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)

    assert errors == [] and all(r.startswith("302 ") for r in results), results
    assert Appointment.objects.active().filter(start=appointment.start).count() == 1
    assert sum("/book/when/" in r for r in results) == 1  # the second: "just taken", back to free times
    winner = Appointment.objects.active().get(start=appointment.start)
    services.waitlist_slot_taken(appointment=winner)  # what the booked signal's task does
    statuses = dict(WaitlistOffer.objects.values_list("entry__patient_id", "status"))
    assert statuses[winner.patient_id] == WaitlistOffer.Status.ACCEPTED
    loser = next(u for u in waiting if u.pk != winner.patient_id)
    assert statuses[loser.pk] == WaitlistOffer.Status.TAKEN
    assert WaitlistEntry.objects.get(patient=loser).status == WaitlistEntry.Status.WAITING

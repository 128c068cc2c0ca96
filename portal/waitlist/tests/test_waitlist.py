"""The waitlist: join, offers when a slot frees (join order, hold, expiry passes on), accepting
through the booking wizard, a direct booking during the offer, quiet hours for SMS offers."""

from __future__ import annotations

import datetime as dt
import re

import pytest
import time_machine
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from portal.accounts.roles import Role
from portal.accounts.tests.factories import enable_totp, user_with_role
from portal.booking import services as booking
from portal.booking.models import Appointment
from portal.booking.tests.conftest import local
from portal.notifications.models import Delivery
from portal.waitlist import services
from portal.waitlist.models import WaitlistEntry, WaitlistOffer

pytestmark = pytest.mark.django_db


def _join(user, scan, day, **kw):
    return services.waitlist_join(patient=user, scan_type=scan, earliest=day, latest=day + dt.timedelta(days=2),
                                  **kw)


def _booked(user, scan, start):
    return booking.appointment_book(patient=user, scan_type=scan, start=start, plan=None, member_number="",
                                    screening_answers={}, booked_by=user)


def _cancel(appointment, capture):
    with capture(execute=True):
        booking.appointment_cancel(appointment=appointment, by=appointment.patient, reason="Cannot come")


def test_joining_from_the_picker_puts_the_patient_on_the_list(client, patient, scan, room, day):
    client.force_login(patient)
    page = client.get(reverse("waitlist:join") + f"?scan={scan.code}")
    assert page.status_code == 200
    response = client.post(reverse("waitlist:join"), {"scan": scan.code, "earliest": day.isoformat(),
                                                      "latest": (day + dt.timedelta(days=5)).isoformat(),
                                                      "time_of_day": "morning"})
    assert response.status_code == 302
    entry = WaitlistEntry.objects.get()
    assert (entry.patient, entry.scan_type, entry.time_of_day) == (patient, scan, "morning")


def test_a_past_date_range_is_refused_with_a_message(client, patient, scan, room):
    client.force_login(patient)
    yesterday = timezone.localdate() - dt.timedelta(days=1)
    response = client.post(reverse("waitlist:join"), {"scan": scan.code, "earliest": yesterday.isoformat(),
                                                      "latest": yesterday.isoformat(), "time_of_day": "any"})
    assert response.status_code == 400 and "cannot be in the past" in response.content.decode()
    assert not WaitlistEntry.objects.exists()


def test_a_cancelled_slot_is_offered_to_the_first_in_join_order(patient, other_patient, scan, room, day,
                                                                 django_capture_on_commit_callbacks):
    first, second = _join(patient, scan, day), _join(other_patient, scan, day)
    holder = user_with_role(Role.PATIENT)
    appointment = _booked(holder, scan, local(day, 10))
    _cancel(appointment, django_capture_on_commit_callbacks)
    offer = WaitlistOffer.objects.get()
    assert offer.entry == first and offer.start == appointment.start
    assert offer.expires_at == offer.created_at + dt.timedelta(minutes=30) or (
        abs((offer.expires_at - offer.created_at) - dt.timedelta(minutes=30)) < dt.timedelta(seconds=2))
    assert not second.offers.exists()
    [email] = [m for m in mail.outbox if "earlier time is free" in m.subject]
    assert email.to == [patient.email] and reverse("waitlist:offer", args=[offer.pk]) in email.body


def test_an_expired_offer_passes_to_the_next_person(patient, other_patient, scan, room, day,
                                                    django_capture_on_commit_callbacks):
    _join(patient, scan, day)
    second = _join(other_patient, scan, day)
    _cancel(_booked(user_with_role(Role.PATIENT), scan, local(day, 10)), django_capture_on_commit_callbacks)
    first_offer = WaitlistOffer.objects.get()
    with time_machine.travel(first_offer.expires_at + dt.timedelta(seconds=1)):
        assert services.waitlist_offers_expire() == 1
    first_offer.refresh_from_db()
    assert first_offer.status == WaitlistOffer.Status.EXPIRED
    assert WaitlistOffer.objects.get(entry=second).status == WaitlistOffer.Status.OPEN


def test_accepting_goes_through_the_wizard_and_books_with_the_quote(client, patient, scan, room, day,
                                                                    django_capture_on_commit_callbacks):
    entry = _join(patient, scan, day)
    _cancel(_booked(user_with_role(Role.PATIENT), scan, local(day, 10)), django_capture_on_commit_callbacks)
    offer = WaitlistOffer.objects.get()
    client.force_login(patient)
    response = client.post(reverse("waitlist:offer_accept", args=[offer.pk]))
    assert response["Location"] == reverse("booking:book_payment")  # the quote step still applies
    client.post(reverse("booking:book_payment"), {"method": "self"})
    page = client.get(reverse("booking:book_confirm"))
    token = re.search(r'name="token" value="([^"]+)"', page.content.decode()).group(1)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("booking:book_confirm"), {"token": token})
    booked = Appointment.objects.get(patient=patient)
    offer.refresh_from_db()
    entry.refresh_from_db()
    assert booked.start == offer.start and offer.status == WaitlistOffer.Status.ACCEPTED
    assert entry.status == WaitlistEntry.Status.BOOKED and entry.booked_appointment == booked


def test_a_direct_booking_during_the_offer_closes_it_kindly(client, patient, other_patient, scan, room, day,
                                                            django_capture_on_commit_callbacks):
    entry = _join(patient, scan, day)
    _cancel(_booked(user_with_role(Role.PATIENT), scan, local(day, 10)), django_capture_on_commit_callbacks)
    offer = WaitlistOffer.objects.get()
    with django_capture_on_commit_callbacks(execute=True):
        _booked(other_patient, scan, offer.start)
    offer.refresh_from_db()
    entry.refresh_from_db()
    assert offer.status == WaitlistOffer.Status.TAKEN and entry.status == WaitlistEntry.Status.WAITING
    assert any("was taken" in m.subject for m in mail.outbox if m.to == [patient.email])
    client.force_login(patient)
    response = client.post(reverse("waitlist:offer_accept", args=[offer.pk]), follow=True)
    assert "someone else booked this time first" in response.content.decode()


def test_another_patients_offer_is_not_found(client, patient, other_patient, scan, room, day,
                                             django_capture_on_commit_callbacks):
    _join(patient, scan, day)
    _cancel(_booked(user_with_role(Role.PATIENT), scan, local(day, 10)), django_capture_on_commit_callbacks)
    offer = WaitlistOffer.objects.get()
    client.force_login(other_patient)
    assert client.get(reverse("waitlist:offer", args=[offer.pk])).status_code == 404
    assert client.post(reverse("waitlist:offer_accept", args=[offer.pk])).status_code == 404
    assert client.post(reverse("waitlist:leave", args=[offer.entry_id])).status_code == 404


def test_an_sms_offer_in_quiet_hours_that_outlast_it_is_not_sent(patient, scan, room, day, settings,
                                                                 django_capture_on_commit_callbacks):
    settings.NOTIFICATIONS_QUIET_HOURS = "21-7"
    patient.notify_by_sms, patient.phone = True, "+263771234567"
    patient.save()
    _join(patient, scan, day)
    appointment = _booked(user_with_role(Role.PATIENT), scan, local(day, 10))
    night = dt.datetime.combine(timezone.localdate(), dt.time(22, 30), tzinfo=timezone.get_current_timezone())
    with time_machine.travel(night, tick=False):
        _cancel(appointment, django_capture_on_commit_callbacks)
    sms_delivery = Delivery.objects.get(waitlist_offer__isnull=False, channel="sms")
    assert sms_delivery.status == Delivery.Status.SKIPPED and "Quiet hours" in sms_delivery.error
    assert Delivery.objects.get(waitlist_offer__isnull=False, channel="email").status != Delivery.Status.SKIPPED


def test_staff_offer_a_free_time_by_hand(client, patient, scan, room, day):
    entry = _join(patient, scan, day)
    reception = user_with_role(Role.RECEPTION)
    enable_totp(reception)
    client.force_login(reception)
    assert scan.name in client.get(reverse("waitlist:staff")).content.decode()
    response = client.post(reverse("waitlist:staff_offer", args=[entry.pk]), {"start": local(day, 11).isoformat()})
    assert response.status_code == 302
    offer = WaitlistOffer.objects.get()
    assert offer.offered_by == reception and offer.start == local(day, 11)


def test_a_patient_cannot_see_the_staff_waitlist(client, patient):
    client.force_login(patient)
    assert client.get(reverse("waitlist:staff")).status_code == 403

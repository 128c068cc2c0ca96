from __future__ import annotations

import datetime as dt
from decimal import Decimal
from urllib.parse import parse_qs

import pytest
import responses
from django.urls import reverse
from django.utils import timezone

from portal.booking.models import Appointment
from portal.booking.tests.factories import AppointmentFactory
from portal.payments import services, tasks
from portal.payments.models import Payment, PaymentHold, Refund
from portal.payments.tests.stripe_helpers import STRIPE_API, event, session_object, signed_post

pytestmark = pytest.mark.django_db


def _session(stripe_api, session_id="cs_hold"):
    stripe_api.add(responses.POST, f"{STRIPE_API}/checkout/sessions", json={
        "id": session_id, "object": "checkout.session", "url": f"https://checkout.stripe.com/c/pay/{session_id}"})


def _start(appointment, **kwargs):
    return services.checkout_start(appointment=appointment, by=appointment.patient,
                                   success_url="https://portal.test/s", cancel_url="https://portal.test/c", **kwargs)


@pytest.fixture
def just_booked():
    start = timezone.now() + dt.timedelta(hours=5)  # inside the 24-hour refund cut-off
    return AppointmentFactory(status=Appointment.Status.REQUESTED, confirmed_at=None, start=start,
                              end=start + dt.timedelta(minutes=15), patient_amount=Decimal("100.00"))


def test_pay_now_after_booking_holds_the_slot(client, stripe_keys, stripe_api, just_booked):
    _session(stripe_api)
    client.force_login(just_booked.patient)
    before = timezone.now()
    response = client.post(reverse("payments:checkout", args=[just_booked.pk]), {"hold": "1"})
    assert response.status_code == 302
    hold = PaymentHold.objects.get()
    assert hold.status == PaymentHold.Status.HELD
    assert before + dt.timedelta(minutes=29) < hold.expires_at <= timezone.now() + dt.timedelta(minutes=30)
    sent = parse_qs(stripe_api.calls[0].request.body)
    assert int(sent["expires_at"][0]) >= int((before + dt.timedelta(minutes=30)).timestamp())
    page = client.get(reverse("payments:appointment", args=[just_booked.pk])).content.decode()
    assert "We are holding this slot for you" in page


def test_an_expired_hold_frees_the_slot(stripe_keys, stripe_api, just_booked, django_capture_on_commit_callbacks):
    _session(stripe_api)
    _start(just_booked, hold=True)
    stripe_api.add(responses.POST, f"{STRIPE_API}/checkout/sessions/cs_hold/expire",
                   json={"id": "cs_hold", "object": "checkout.session", "status": "expired"})
    assert tasks.release_expired_holds() == 0  # not expired yet
    later = timezone.now() + dt.timedelta(minutes=31)
    with django_capture_on_commit_callbacks(execute=True):
        assert services.holds_release_expired(now=later) == 1
    just_booked.refresh_from_db()
    assert just_booked.status == Appointment.Status.CANCELLED
    assert not Appointment.objects.active().filter(room=just_booked.room, start=just_booked.start).exists()
    assert PaymentHold.objects.get().status == PaymentHold.Status.RELEASED
    assert Payment.objects.get().status == Payment.Status.FAILED
    assert [c.request.url for c in stripe_api.calls][-1].endswith("/checkout/sessions/cs_hold/expire")
    assert services.holds_release_expired(now=later) == 0  # again: nothing more
    # the freed slot can be booked by someone else
    AppointmentFactory(room=just_booked.room, start=just_booked.start, end=just_booked.end)


def test_a_paid_hold_keeps_the_slot(client, stripe_keys, stripe_api, just_booked):
    _session(stripe_api)
    _start(just_booked, hold=True)
    payment = Payment.objects.get()
    signed_post(client, event(session_object(payment)))
    assert services.holds_release_expired(now=timezone.now() + dt.timedelta(hours=1)) == 0
    just_booked.refresh_from_db()
    assert just_booked.status == Appointment.Status.REQUESTED
    assert PaymentHold.objects.get().status == PaymentHold.Status.PAID


def test_payment_after_the_slot_was_freed_is_refunded_even_inside_the_cutoff(
        client, stripe_keys, stripe_api, just_booked, django_capture_on_commit_callbacks):
    _session(stripe_api)
    _start(just_booked, hold=True)
    payment = Payment.objects.get()
    stripe_api.add(responses.POST, f"{STRIPE_API}/checkout/sessions/cs_hold/expire", status=400,
                   json={"error": {"type": "invalid_request_error", "message": "already complete"}})
    stripe_api.add(responses.POST, f"{STRIPE_API}/refunds", json={"id": "re_late", "status": "succeeded"})
    with django_capture_on_commit_callbacks(execute=True):
        services.holds_release_expired(now=timezone.now() + dt.timedelta(minutes=31))
        signed_post(client, event(session_object(payment), event_id="evt_late"))
    payment.refresh_from_db()
    assert payment.status == Payment.Status.REFUNDED
    assert Refund.objects.get().idempotency_key == f"refund-payment-{payment.pk}"


def test_no_hold_for_a_confirmed_appointment_or_when_holds_are_off(settings, stripe_keys, stripe_api):
    _session(stripe_api)
    _start(AppointmentFactory(patient_amount=Decimal("100.00")), hold=True)  # confirmed already
    settings.PAYMENTS_HOLD_MINUTES = 0
    start = timezone.now() + dt.timedelta(days=2)
    _start(AppointmentFactory(status=Appointment.Status.REQUESTED, start=start, end=start + dt.timedelta(minutes=15),
                              patient_amount=Decimal("100.00")), hold=True)
    assert not PaymentHold.objects.exists()


def test_a_second_click_reuses_the_open_session(stripe_keys, stripe_api):
    appointment = AppointmentFactory(patient_amount=Decimal("100.00"))
    _session(stripe_api, "cs_once")
    first = _start(appointment)
    second = _start(appointment)
    assert first == second == "https://checkout.stripe.com/c/pay/cs_once"
    assert len(stripe_api.calls) == 1 and Payment.objects.count() == 1


def test_an_older_session_for_another_amount_is_expired(stripe_keys, stripe_api, reception):
    appointment = AppointmentFactory(patient_amount=Decimal("100.00"))
    _session(stripe_api, "cs_old")
    _start(appointment)
    old = Payment.objects.get()
    services.payment_record_desk(appointment=appointment, method="cash", amount=Decimal("40"), by=reception)
    stripe_api.replace(responses.POST, f"{STRIPE_API}/checkout/sessions", json={
        "id": "cs_new", "object": "checkout.session", "url": "https://checkout.stripe.com/c/pay/cs_new"})
    stripe_api.add(responses.POST, f"{STRIPE_API}/checkout/sessions/cs_old/expire",
                   json={"id": "cs_old", "object": "checkout.session", "status": "expired"})
    assert _start(appointment).endswith("cs_new")
    old.refresh_from_db()
    assert old.status == Payment.Status.FAILED
    new = Payment.objects.get(provider_session_id="cs_new")
    assert (new.amount, new.status) == (Decimal("60.00"), Payment.Status.PENDING)


def test_the_release_runs_every_minute():
    from django_q.models import Schedule

    schedule = Schedule.objects.get(func="portal.payments.tasks.release_expired_holds")
    assert (schedule.schedule_type, schedule.minutes) == (Schedule.MINUTES, 1)


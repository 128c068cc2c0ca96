"""The booking API: availability, booking under the wizard's rules, list/detail, cancel, reschedule,
calendar; another patient's appointment is 404; problem details on bad input."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from portal.accounts.tests.factories import app_token
from portal.booking.models import Appointment
from portal.booking.tests.conftest import local
from portal.booking.tests.factories import AppointmentFactory

pytestmark = pytest.mark.django_db
API = "/api/v1"


@pytest.fixture
def token(client, patient):
    return app_token(client, patient)


def api(client, method, path, token, **kwargs):
    return getattr(client, method)(f"{API}{path}", HTTP_X_SESSION_TOKEN=token, content_type="application/json",
                                   **kwargs)


def test_availability_lists_free_slots_with_the_practice_offset(client, token, room, scan, day):
    response = api(client, "get", f"/availability?scan_type={scan.code}&date_from={day.isoformat()}", token)
    assert response.status_code == 200, response.content
    slots = response.json()["slots"]
    assert slots[0]["start"] == f"{day.isoformat()}T08:00:00+02:00"
    assert len(slots) == 36  # 08:00-17:00 in 15-minute steps


def test_availability_refuses_a_range_past_the_horizon(client, token, room, scan):
    far = timezone.localdate() + dt.timedelta(days=400)
    response = api(client, "get", f"/availability?scan_type={scan.code}&date_from={far.isoformat()}", token)
    assert response.status_code == 400
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["detail"].startswith("Bookings can be made from")


def test_booking_confirms_and_reports_money_as_strings_with_currency(client, token, room, scan, day, patient):
    start = local(day, 9)
    response = api(client, "post", "/appointments", token,
                   data={"scan_type": scan.code, "start": start.isoformat()})
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["status"] == "confirmed"
    assert body["start"] == f"{day.isoformat()}T09:00:00+02:00"
    assert body["patient_pays"] == {"amount": f"{scan.price:.2f}", "currency": "USD"}
    assert Appointment.objects.get(pk=body["id"]).patient == patient


def test_booking_a_taken_slot_is_409_and_writes_nothing(client, token, room, scan, day, other_patient):
    AppointmentFactory(patient=other_patient, scan_type=scan, room=room, start=local(day, 9))
    response = api(client, "post", "/appointments", token,
                   data={"scan_type": scan.code, "start": local(day, 9).isoformat()})
    assert response.status_code == 409
    assert response.json()["title"] == "Slot taken"
    assert Appointment.objects.count() == 1


def test_booking_refuses_unknown_fields(client, token, room, scan, day):
    response = api(client, "post", "/appointments", token,
                   data={"scan_type": scan.code, "start": local(day, 9).isoformat(), "price": "0.01"})
    assert response.status_code == 422
    assert response.json()["errors"][0]["type"] == "extra_forbidden"
    assert not Appointment.objects.exists()


def test_a_safety_stop_refuses_the_booking(client, token, mri, day):
    answers = {"pacemaker": "yes", "implants": "no", "metal_fragments": "no", "claustrophobia": "no"}
    response = api(client, "post", "/appointments", token,
                   data={"scan_type": mri.code, "start": local(day, 9).isoformat(), "screening_answers": answers})
    assert response.status_code == 400
    assert "cannot be booked online" in response.json()["detail"]
    assert not Appointment.objects.exists()


def test_a_safety_review_books_as_requested(client, token, mri, day):
    answers = {"pacemaker": "no", "implants": "yes", "metal_fragments": "no", "claustrophobia": "no"}
    response = api(client, "post", "/appointments", token,
                   data={"scan_type": mri.code, "start": local(day, 9).isoformat(), "screening_answers": answers})
    assert response.status_code == 201, response.content
    assert response.json()["status"] == "requested" and response.json()["needs_review"] is True


def test_a_scan_that_needs_a_referral_is_refused_without_one(client, token, room, day):
    from portal.catalogue.tests.factories import ScanTypeFactory

    scan = ScanTypeFactory(code="xr-spine", needs_referral=True)
    response = api(client, "post", "/appointments", token,
                   data={"scan_type": scan.code, "start": local(day, 9).isoformat()})
    assert response.status_code == 400
    assert "referral" in response.json()["detail"]


def test_list_shows_only_my_appointments_paginated(client, token, patient, other_patient, room, scan, day):
    for hour in (9, 10, 11):
        AppointmentFactory(patient=patient, scan_type=scan, room=room, start=local(day, hour))
    AppointmentFactory(patient=other_patient, scan_type=scan, room=room, start=local(day, 12))
    response = api(client, "get", "/appointments?page_size=2", token)
    body = response.json()
    assert body["count"] == 3 and len(body["items"]) == 2
    assert "page=2" in body["next"] and body["previous"] is None
    assert api(client, "get", "/appointments?page=2&page_size=2", token).json()["next"] is None


def test_another_patients_appointment_is_404(client, token, other_patient, room, scan, day):
    theirs = AppointmentFactory(patient=other_patient, scan_type=scan, room=room, start=local(day, 9))
    for path in (f"/appointments/{theirs.pk}", f"/appointments/{theirs.pk}/calendar.ics"):
        response = api(client, "get", path, token)
        assert response.status_code == 404
        assert response["Content-Type"] == "application/problem+json"
    response = api(client, "post", f"/appointments/{theirs.pk}/cancel", token, data={"reason": "no"})
    assert response.status_code == 404
    assert Appointment.objects.get(pk=theirs.pk).status != Appointment.Status.CANCELLED


def test_detail_carries_an_etag_and_answers_304(client, token, patient, room, scan, day):
    mine = AppointmentFactory(patient=patient, scan_type=scan, room=room, start=local(day, 9))
    first = api(client, "get", f"/appointments/{mine.pk}", token)
    assert first.status_code == 200 and first["ETag"]
    again = api(client, "get", f"/appointments/{mine.pk}", token, HTTP_IF_NONE_MATCH=first["ETag"])
    assert again.status_code == 304


def test_cancel_before_the_cutoff(client, token, patient, room, scan, day):
    mine = AppointmentFactory(patient=patient, scan_type=scan, room=room, start=local(day, 9))
    response = api(client, "post", f"/appointments/{mine.pk}/cancel", token, data={"reason": "Feeling better"})
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "cancelled"


def test_cancel_after_the_cutoff_is_refused(client, token, patient, room, scan):
    soon = AppointmentFactory(patient=patient, scan_type=scan, room=room,
                              start=timezone.now() + dt.timedelta(hours=3))
    response = api(client, "post", f"/appointments/{soon.pk}/cancel", token, data={"reason": "Busy"})
    assert response.status_code == 409
    assert "hours before they start" in response.json()["detail"]
    assert Appointment.objects.get(pk=soon.pk).status == soon.status


def test_reschedule_moves_to_a_free_time(client, token, patient, room, scan, day):
    mine = AppointmentFactory(patient=patient, scan_type=scan, room=room, start=local(day, 9))
    response = api(client, "post", f"/appointments/{mine.pk}/reschedule", token,
                   data={"start": local(day, 14).isoformat()})
    assert response.status_code == 200, response.content
    assert response.json()["start"] == f"{day.isoformat()}T14:00:00+02:00"


def test_calendar_file(client, token, patient, room, scan, day):
    mine = AppointmentFactory(patient=patient, scan_type=scan, room=room, start=local(day, 9))
    response = api(client, "get", f"/appointments/{mine.pk}/calendar.ics", token)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/calendar")
    assert b"BEGIN:VEVENT" in response.content


def test_screening_questions_for_a_scan(client, mri):
    response = client.get(f"{API}/scan-types/{mri.code}/screening-questions")
    assert [q["key"] for q in response.json()] == ["pacemaker", "implants", "metal_fragments", "claustrophobia"]

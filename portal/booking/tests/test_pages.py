from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from icalendar import Calendar

from portal.booking import services
from portal.booking.models import Appointment
from portal.booking.tests.conftest import local
from portal.booking.tests.factories import AppointmentFactory
from portal.core import registry

pytestmark = pytest.mark.django_db
Status = Appointment.Status


def _book(patient, scan, start):
    return services.appointment_book(
        patient=patient,
        scan_type=scan,
        start=start,
        plan=None,
        member_number="",
        screening_answers={},
        booked_by=patient,
    )


@pytest.fixture
def booked(patient, scan, room, day):
    return _book(patient, scan, local(day, 10))


def _many(patient, scan, room, count: int) -> None:
    now = timezone.now()
    base = now.replace(minute=0, second=0, microsecond=0) - dt.timedelta(days=count // 48 + 1)
    rows = []
    for i in range(count):
        start = base + dt.timedelta(minutes=30 * i)
        rows.append(
            Appointment(
                patient=patient,
                scan_type=scan,
                room=room,
                start=start,
                end=start + dt.timedelta(minutes=15),
                status=Status.COMPLETED if start < now else Status.CONFIRMED,
                requested_at=now,
                price=scan.price,
                patient_amount=scan.price,
                booked_by=patient,
            )
        )
    Appointment.objects.bulk_create(rows)


def _list_queries(client) -> int:
    client.get(reverse("booking:list"))  # warm the per-process caches (Wagtail's site lookup)
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(reverse("booking:list"))
    assert response.status_code == 200
    return len(ctx.captured_queries)


def test_the_appointment_list_makes_as_many_queries_at_1000_as_at_10(client, patient, other_patient, scan, room):
    client.force_login(patient)
    _many(patient, scan, room, 10)
    at_10 = _list_queries(client)
    Appointment.objects.filter(patient=patient).delete()
    _many(patient, scan, room, 1000)
    at_1000 = _list_queries(client)
    assert at_10 == at_1000


def test_the_list_shows_upcoming_and_past_and_only_mine(client, patient, other_patient, scan, room, booked, day):
    past = AppointmentFactory(
        patient=patient, scan_type=scan, room=room, start=timezone.now() - dt.timedelta(days=3), status=Status.COMPLETED
    )
    theirs = _book(other_patient, scan, local(day, 11))
    client.force_login(patient)
    html = client.get(reverse("booking:list")).content.decode()
    assert reverse("booking:detail", args=[booked.pk]) in html and reverse("booking:detail", args=[past.pk]) in html
    assert reverse("booking:detail", args=[theirs.pk]) not in html


def test_the_detail_page_shows_details_preparation_quote_and_every_registered_panel(
    client, patient, booked, settings, tmp_path
):
    (tmp_path / "probe").mkdir()
    (tmp_path / "probe" / "panel.html").write_text('<div class="probe">{{ panel.marker }}</div>')
    settings.TEMPLATES = [{**settings.TEMPLATES[0], "DIRS": [*settings.TEMPLATES[0]["DIRS"], tmp_path]}]
    registry.appointment_panel(
        "probe/panel.html", order=999, context=lambda user, appointment: {"marker": f"probe-{appointment.pk}"}
    )
    try:
        client.force_login(patient)
        html = client.get(reverse("booking:detail", args=[booked.pk])).content.decode()
    finally:
        registry._appointment_panels[:] = [p for p in registry._appointment_panels if p.template != "probe/panel.html"]
    assert booked.scan_type.name in html and "How to prepare" in html and "No preparation needed" in html
    assert "USD 100.00" in html and reverse("booking:calendar", args=[booked.pk]) in html
    assert f"probe-{booked.pk}" in html  # other apps' panels (payments, report, feedback) plug in here
    assert "Referral letter" in html  # the referrals app's panel


def test_another_patients_appointment_pages_are_404(client, other_patient, booked):
    client.force_login(other_patient)
    for name in ["detail", "calendar", "cancel", "payment_summary", "reschedule", "reschedule_slots"]:
        assert client.get(reverse(f"booking:{name}", args=[booked.pk])).status_code == 404, name
    assert client.post(reverse("booking:cancel", args=[booked.pk]), {"reason": "x"}).status_code == 404
    booked.refresh_from_db()
    assert booked.status == Status.CONFIRMED


def test_the_calendar_file(client, patient, booked):
    client.force_login(patient)
    response = client.get(reverse("booking:calendar", args=[booked.pk]))
    assert response["Content-Type"].startswith("text/calendar")
    assert "attachment" in response["Content-Disposition"]
    event = next(c for c in Calendar.from_ical(response.content).walk() if c.name == "VEVENT")
    assert event.decoded("dtstart") == booked.start and event.decoded("dtend") == booked.end
    assert booked.scan_type.name in str(event.get("summary"))


def test_cancel_before_the_cutoff_needs_a_reason_and_frees_the_slot(client, patient, booked):
    client.force_login(patient)
    response = client.post(reverse("booking:cancel", args=[booked.pk]), {"reason": "  "})
    assert response.status_code == 200 and "Please give a reason" in response.content.decode()
    client.post(reverse("booking:cancel", args=[booked.pk]), {"reason": "Feeling better"})
    booked.refresh_from_db()
    assert booked.status == Status.CANCELLED and booked.cancelled_at and booked.cancellation_reason == "Feeling better"
    assert booked.cancelled_by == patient


def test_cancel_after_the_cutoff_is_refused_with_a_message(client, patient, scan, room, settings):
    settings.BOOKING_CANCEL_CUTOFF_HOURS = 24
    soon = AppointmentFactory(patient=patient, scan_type=scan, room=room, start=timezone.now() + dt.timedelta(hours=5))
    client.force_login(patient)
    page = client.get(reverse("booking:cancel", args=[soon.pk])).content.decode()
    assert "until 24 hours before" in page
    response = client.post(reverse("booking:cancel", args=[soon.pk]), {"reason": "Late"}, follow=True)
    assert "until 24 hours before" in response.content.decode()
    soon.refresh_from_db()
    assert soon.status == Status.CONFIRMED
    assert client.get(reverse("booking:reschedule", args=[soon.pk]))["Location"] == reverse(
        "booking:detail", args=[soon.pk]
    )


def test_reschedule_through_the_picker(client, patient, booked, day):
    client.force_login(patient)
    page = client.get(reverse("booking:reschedule", args=[booked.pk]) + f"?date={day.isoformat()}")
    assert local(day, 11).isoformat() in page.content.decode()
    partial = client.get(
        reverse("booking:reschedule_slots", args=[booked.pk]), {"date": day.isoformat()}, HTTP_HX_REQUEST="true"
    )
    assert "<html" not in partial.content.decode() and local(day, 11).isoformat() in partial.content.decode()
    response = client.post(reverse("booking:reschedule", args=[booked.pk]), {"start": local(day, 11).isoformat()})
    assert response["Location"] == reverse("booking:detail", args=[booked.pk])
    booked.refresh_from_db()
    assert booked.start == local(day, 11)
    response = client.post(reverse("booking:reschedule", args=[booked.pk]), {"start": local(day, 11, 7).isoformat()})
    assert "no longer" in response.content.decode() or "just been taken" in response.content.decode()


def test_payment_summary_shows_the_quote_as_booked(client, patient, booked):
    booked.scan_type.price = "500.00"
    booked.scan_type.save()
    client.force_login(patient)
    html = client.get(reverse("booking:payment_summary", args=[booked.pk])).content.decode()
    assert "USD 100.00" in html and "USD 500.00" not in html


def test_dashboard_panel_shows_the_next_appointment(client, patient, booked):
    client.force_login(patient)
    html = client.get(reverse("accounts:dashboard")).content.decode()
    assert "Your next appointment" in html and reverse("booking:detail", args=[booked.pk]) in html
    assert reverse("booking:book") in html and reverse("booking:list") in html  # nav links


def _ics_status(client, appointment) -> str:
    response = client.get(reverse("booking:calendar", args=[appointment.pk]))
    event = next(c for c in Calendar.from_ical(response.content).walk() if c.name == "VEVENT")
    return str(event.get("status"))


def test_the_calendar_file_is_tentative_until_confirmed_and_cancelled_after_a_cancel(client, patient, booked):
    client.force_login(patient)
    Appointment.objects.filter(pk=booked.pk).update(status=Status.REQUESTED, confirmed_at=None)
    assert _ics_status(client, booked) == "TENTATIVE"
    Appointment.objects.filter(pk=booked.pk).update(status=Status.CONFIRMED)
    assert _ics_status(client, booked) == "CONFIRMED"
    services.appointment_cancel(appointment=Appointment.objects.get(pk=booked.pk), by=patient, reason="Better")
    assert _ics_status(client, booked) == "CANCELLED"


@pytest.mark.parametrize(("status", "days"), [(Status.CANCELLED, 3), (Status.CONFIRMED, -1), (Status.NO_SHOW, -1),
                                              (Status.COMPLETED, -1)])
def test_add_to_calendar_is_not_offered_for_cancelled_past_or_missed_visits(client, patient, status, days):
    start = timezone.now().replace(microsecond=0) + dt.timedelta(days=days)
    appointment = AppointmentFactory(patient=patient, status=status, start=start)
    client.force_login(patient)
    html = client.get(reverse("booking:detail", args=[appointment.pk])).content.decode()
    assert "Add to calendar" not in html
    assert reverse("booking:calendar", args=[appointment.pk]) not in html


def test_add_to_calendar_is_offered_for_a_requested_visit_ahead(client, patient):
    appointment = AppointmentFactory(patient=patient, status=Status.REQUESTED,
                                     start=timezone.now().replace(microsecond=0) + dt.timedelta(days=3))
    client.force_login(patient)
    html = client.get(reverse("booking:detail", args=[appointment.pk])).content.decode()
    assert reverse("booking:calendar", args=[appointment.pk]) in html

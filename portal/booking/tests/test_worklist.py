from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from portal.accounts.roles import Role
from portal.booking import services
from portal.booking.models import Appointment, Room
from portal.booking.tests.conftest import local, open_every_day
from portal.booking.tests.factories import AppointmentFactory, RoomFactory
from portal.catalogue.models import Modality
from portal.core.clock import local_day

pytestmark = pytest.mark.django_db
Status = Appointment.Status
MRI_REVIEW = {"pacemaker": "no", "implants": "yes", "metal_fragments": "no", "claustrophobia": "no"}


def _book(patient, scan, start, answers=None):
    return services.appointment_book(
        patient=patient,
        scan_type=scan,
        start=start,
        plan=None,
        member_number="",
        screening_answers=answers or {},
        booked_by=patient,
    )


@pytest.mark.parametrize("role", [Role.RECEPTION, Role.RADIOGRAPHER, Role.RADIOLOGIST, Role.MANAGER])
def test_staff_see_the_days_list(client, staff_user, role, patient, scan, room, day):
    appointment = _book(patient, scan, local(day, 10))
    client.force_login(staff_user(role))
    html = client.get(reverse("booking:worklist"), {"date": day.isoformat()}).content.decode()
    assert reverse("booking:detail", args=[appointment.pk]) in html and patient.last_name in html
    assert client.get(reverse("booking:detail", args=[appointment.pk])).status_code == 200


@pytest.mark.parametrize("role", [Role.PATIENT, Role.MARKETING_EDITOR, Role.REFERRING_DOCTOR])
def test_others_get_no_worklist(client, staff_user, role, patient, scan, room, day):
    appointment = _book(patient, scan, local(day, 10))
    client.force_login(staff_user(role))
    assert client.get(reverse("booking:worklist")).status_code == 404
    assert client.post(reverse("booking:action", args=[appointment.pk, "cancel"]), {"reason": "x"}).status_code == 404


def test_filters_by_room_modality_and_status(client, staff_user, patient, other_patient, scan, room, mri, day):
    xray = _book(patient, scan, local(day, 10))
    mri_appt = _book(other_patient, mri, local(day, 10), MRI_REVIEW)
    client.force_login(staff_user(Role.RECEPTION))
    url = reverse("booking:worklist")

    def shown(**params):
        html = client.get(url, {"date": day.isoformat(), **params}).content.decode()
        return {a.pk for a in (xray, mri_appt) if reverse("booking:detail", args=[a.pk]) in html}

    assert shown() == {xray.pk, mri_appt.pk}
    assert shown(room=room.pk) == {xray.pk}
    assert shown(modality=Modality.MRI) == {mri_appt.pk}
    assert shown(status=Status.CONFIRMED) == {xray.pk}
    assert shown(status="review") == {mri_appt.pk}
    assert shown(date=(day + dt.timedelta(days=1)).isoformat()) == set()


def test_the_day_moves_through_its_transitions(client, staff_user, patient, scan, room):
    start = timezone.now() - dt.timedelta(minutes=30)
    appointment = AppointmentFactory(
        patient=patient, scan_type=scan, room=room, start=start, status=Status.REQUESTED, confirmed_at=None
    )
    reception, radiographer = staff_user(Role.RECEPTION), staff_user(Role.RADIOGRAPHER)
    client.force_login(reception)
    client.post(reverse("booking:action", args=[appointment.pk, "confirm"]))
    client.post(reverse("booking:action", args=[appointment.pk, "check_in"]))
    client.force_login(radiographer)
    assert client.post(reverse("booking:action", args=[appointment.pk, "confirm"])).status_code == 404  # not theirs
    response = client.post(reverse("booking:action", args=[appointment.pk, "complete"]))
    assert response.status_code == 302
    appointment.refresh_from_db()
    assert appointment.status == Status.COMPLETED
    assert appointment.confirmed_at and appointment.checked_in_at and appointment.completed_at


def test_no_show_and_cancel_with_reason(client, staff_user, patient, scan, room, day):
    past = AppointmentFactory(patient=patient, scan_type=scan, room=room, start=timezone.now() - dt.timedelta(hours=1))
    future = _book(patient, scan, local(day, 10))
    client.force_login(staff_user(Role.RECEPTION))
    client.post(reverse("booking:action", args=[past.pk, "no_show"]))
    response = client.post(reverse("booking:action", args=[future.pk, "cancel"]), {"reason": ""}, follow=True)
    assert "reason" in response.content.decode()
    client.post(reverse("booking:action", args=[future.pk, "cancel"]), {"reason": "Patient phoned"})
    past.refresh_from_db()
    future.refresh_from_db()
    assert past.status == Status.NO_SHOW and past.no_show_at
    assert future.status == Status.CANCELLED and future.cancellation_reason == "Patient phoned"


def test_a_radiologist_marks_screening_reviewed_then_reception_confirms(client, staff_user, patient, mri, day):
    appointment = _book(patient, mri, local(day, 10), MRI_REVIEW)
    reception, radiologist = staff_user(Role.RECEPTION), staff_user(Role.RADIOLOGIST)
    client.force_login(reception)
    assert client.post(reverse("booking:action", args=[appointment.pk, "review"])).status_code == 404
    response = client.post(reverse("booking:action", args=[appointment.pk, "confirm"]), follow=True)
    assert "must review" in response.content.decode()
    client.force_login(radiologist)
    html = client.get(reverse("booking:worklist"), {"date": day.isoformat()}).content.decode()
    assert "Mark reviewed" in html and "table-warning" in html
    client.post(reverse("booking:action", args=[appointment.pk, "review"]))
    client.force_login(reception)
    client.post(reverse("booking:action", args=[appointment.pk, "confirm"]))
    appointment.refresh_from_db()
    assert appointment.reviewed_by == radiologist and appointment.status == Status.CONFIRMED


def test_staff_move_to_another_room_and_time(client, staff_user, patient, other_patient, scan, room, day):
    second = open_every_day(RoomFactory(name="X-ray B", modality=Modality.XRAY))
    appointment = _book(patient, scan, local(day, 10))
    blocker = _book(other_patient, scan, local(day, 14))
    client.force_login(staff_user(Role.RECEPTION))
    page = client.get(reverse("booking:move", args=[appointment.pk]), {"room": second.pk, "date": day.isoformat()})
    assert local(day, 14).isoformat() in page.content.decode()  # free in room B
    client.post(
        reverse("booking:move", args=[appointment.pk]), {"room": second.pk, "start": local(day, 14).isoformat()}
    )
    appointment.refresh_from_db()
    assert appointment.room == second and appointment.start == local(day, 14)
    # moving onto the other patient's time in their room is refused
    response = client.post(
        reverse("booking:move", args=[appointment.pk]), {"room": blocker.room.pk, "start": local(day, 14).isoformat()}
    )
    assert "just been taken" in response.content.decode()
    appointment.refresh_from_db()
    assert appointment.room == second
    ct = RoomFactory(name="CT X", modality=Modality.CT)
    response = client.post(
        reverse("booking:move", args=[appointment.pk]), {"room": ct.pk, "start": local(day, 9).isoformat()}
    )
    appointment.refresh_from_db()
    assert appointment.room == second and response.status_code == 200


def test_staff_dashboard_panel_counts_today(client, staff_user, patient, scan, room):
    AppointmentFactory(
        patient=patient,
        scan_type=scan,
        room=room,
        start=timezone.localtime().replace(hour=12, minute=0, second=0, microsecond=0),
    )
    client.force_login(staff_user(Role.RECEPTION))
    html = client.get(reverse("accounts:dashboard")).content.decode()
    assert "Open the worklist" in html and "<strong>1</strong> booked" in html


def test_reception_and_managers_edit_rooms_in_wagtail_marketing_cannot(client, staff_user):
    for role, allowed in [(Role.RECEPTION, True), (Role.MANAGER, True), (Role.MARKETING_EDITOR, False)]:
        client.force_login(staff_user(role))
        index = client.get(reverse("booking_rooms:index"))
        assert (index.status_code == 200) is allowed, role
        menu = client.get("/admin/").content.decode()
        assert ("Scheduling" in menu) is allowed, role
        for name in ("booking_opening_hours:index", "booking_closures:index", "booking_opening_hours:add"):
            assert (client.get(reverse(name)).status_code == 200) is allowed, (role, name)
        if allowed:
            response = client.post(
                reverse("booking_rooms:add"), {"name": f"CT {role}", "modality": "ct", "active": "on"}
            )
            assert response.status_code == 302, role
    assert Room.objects.filter(name__startswith="CT ").count() == 2


def test_the_worklist_offers_check_in_only_inside_the_window(client, staff_user, patient, scan, room, settings):
    settings.BOOKING_CHECK_IN_EARLY_MINUTES = 120
    now = timezone.now().replace(second=0, microsecond=0)
    soon = AppointmentFactory(patient=patient, scan_type=scan, room=room, start=now + dt.timedelta(minutes=60))
    later = AppointmentFactory(patient=patient, scan_type=scan, room=room, start=now + dt.timedelta(hours=26))
    client.force_login(staff_user(Role.RECEPTION))
    html = client.get(reverse("booking:worklist") + f"?date={local_day(soon.start)}").content.decode()
    assert reverse("booking:action", args=[soon.pk, "check_in"]) in html
    html = client.get(reverse("booking:worklist") + f"?date={local_day(later.start)}").content.decode()
    assert reverse("booking:action", args=[later.pk, "check_in"]) not in html
    assert "Check-in from " + timezone.localtime(later.start - dt.timedelta(hours=2)).strftime("%H:%M") in html
    response = client.post(reverse("booking:action", args=[later.pk, "check_in"]), follow=True)
    assert "Too early to check in" in response.content.decode()
    later.refresh_from_db()
    assert later.status == Status.CONFIRMED and later.checked_in_at is None

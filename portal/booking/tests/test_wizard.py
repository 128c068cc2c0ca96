from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from portal.accounts.roles import Role
from portal.accounts.tests.factories import UserFactory
from portal.booking import services
from portal.booking.models import Appointment, MedicalAidMembership
from portal.booking.tests.conftest import local
from portal.catalogue.selectors import quote_for
from portal.catalogue.tests.factories import ScanTypeFactory
from portal.core.tests.factories import set_practice_details

pytestmark = pytest.mark.django_db
Status = Appointment.Status
MRI_OK = {"pacemaker": "no", "implants": "no", "metal_fragments": "no", "claustrophobia": "no"}


@pytest.fixture
def patient_client(client, patient):
    client.force_login(patient)
    return client


def _pick(client, scan, start, *, date=None):
    client.get(reverse("booking:book") + f"?scan={scan.code}")
    return client.post(reverse("booking:book_when"), {"start": start.isoformat(), "date": date or ""})


def _token(response) -> str:
    return re.search(r'name="token" value="([^"]+)"', response.content.decode()).group(1)


def _shown_quote(response) -> dict[str, Decimal]:
    html = response.content.decode()
    return {
        k: Decimal(v.replace(",", "")) for k, v in re.findall(r'data-quote="(\w+)">(?:&minus; )?USD ([\d,.]+)', html)
    }


def test_the_scan_link_preselects_and_the_picker_shows_free_times(patient_client, scan, room, day):
    response = patient_client.get(reverse("booking:book") + f"?scan={scan.code}")
    assert response["Location"] == reverse("booking:book_when")
    page = patient_client.get(reverse("booking:book_when") + f"?date={day.isoformat()}")
    html = page.content.decode()
    assert local(day, 10).isoformat() in html and local(day, 16, 45).isoformat() in html
    assert 'type="radio"' in html and "<label" in html


def test_the_slot_picker_refreshes_through_htmx(patient_client, scan, room, day):
    patient_client.get(reverse("booking:book") + f"?scan={scan.code}")
    other_day = day + dt.timedelta(days=1)
    partial = patient_client.get(reverse("booking:book_slots"), {"date": other_day.isoformat()}, HTTP_HX_REQUEST="true")
    html = partial.content.decode()
    assert partial.status_code == 200 and "<html" not in html and 'id="picker"' in html
    assert local(other_day, 9).isoformat() in html
    # the date field sends itself as "jump"
    jumped = patient_client.get(reverse("booking:book_slots"), {"jump": other_day.isoformat()}, HTTP_HX_REQUEST="true")
    assert local(other_day, 9).isoformat() in jumped.content.decode()


def test_a_full_booking_with_medical_aid_stores_the_quote_that_was_shown(
    patient_client, patient, scan, room, plan, day
):
    start = local(day, 10)
    assert _pick(patient_client, scan, start)["Location"] == reverse("booking:book_payment")
    response = patient_client.post(
        reverse("booking:book_payment"),
        {"method": "aid", "plan": plan.pk, "member_number": "CIM-778", "save_membership": "on"},
    )
    assert response["Location"] == reverse("booking:book_confirm")
    page = patient_client.get(reverse("booking:book_confirm"))
    shown = _shown_quote(page)
    response = patient_client.post(reverse("booking:book_confirm"), {"token": _token(page)})
    appointment = Appointment.objects.get()
    assert response["Location"] == reverse("booking:detail", args=[appointment.pk])
    assert shown["total"] == appointment.price
    assert shown["covered"] == appointment.covered_amount
    assert shown["patient_pays"] == appointment.patient_amount
    assert shown.get("co_payment", Decimal("0")) == appointment.co_payment
    assert quote_for(scan_type=scan, plan=plan).patient_pays == appointment.patient_amount
    assert appointment.plan == plan and appointment.start == start and appointment.booked_by == patient
    assert MedicalAidMembership.objects.get(patient=patient).member_number == "CIM-778"
    # the membership is offered next time
    _pick(patient_client, scan, local(day, 11))
    assert "CIM-778" in patient_client.get(reverse("booking:book_payment")).content.decode()


def test_self_pay_pays_everything(patient_client, scan, room, day):
    _pick(patient_client, scan, local(day, 10))
    patient_client.post(reverse("booking:book_payment"), {"method": "self"})
    page = patient_client.get(reverse("booking:book_confirm"))
    patient_client.post(reverse("booking:book_confirm"), {"token": _token(page)})
    appointment = Appointment.objects.get()
    assert appointment.plan is None and appointment.patient_amount == appointment.price == Decimal("100.00")


def test_posted_price_room_and_scan_are_ignored_and_a_tampered_token_is_refused(patient_client, scan, room, day):
    _pick(patient_client, scan, local(day, 10))
    patient_client.post(reverse("booking:book_payment"), {"method": "self"})
    page = patient_client.get(reverse("booking:book_confirm"))
    token = _token(page)
    forged = token[:-3] + ("abc" if not token.endswith("abc") else "xyz")
    response = patient_client.post(reverse("booking:book_confirm"), {"token": forged})
    assert response.status_code == 400 and "was changed or has expired" in response.content.decode()
    assert not Appointment.objects.exists()
    expensive = ScanTypeFactory(code="other", price="999.00")
    response = patient_client.post(
        reverse("booking:book_confirm"),
        {
            "token": token,
            "price": "0.01",
            "patient_amount": "0",
            "room": 999,
            "scan": expensive.code,
            "start": local(day, 12).isoformat(),
        },
    )
    appointment = Appointment.objects.get()
    assert appointment.price == Decimal("100.00") and appointment.scan_type == scan
    assert appointment.room == room and appointment.start == local(day, 10)


def test_a_price_change_after_the_quote_was_shown_asks_again(patient_client, scan, room, day):
    _pick(patient_client, scan, local(day, 10))
    patient_client.post(reverse("booking:book_payment"), {"method": "self"})
    page = patient_client.get(reverse("booking:book_confirm"))
    scan.price = Decimal("150.00")
    scan.save()
    response = patient_client.post(reverse("booking:book_confirm"), {"token": _token(page)})
    assert response.status_code == 409 and "price has changed" in response.content.decode()
    assert not Appointment.objects.exists()
    assert _shown_quote(response)["patient_pays"] == Decimal("150.00")
    patient_client.post(reverse("booking:book_confirm"), {"token": _token(response)})
    assert Appointment.objects.get().price == Decimal("150.00")


def test_a_slot_taken_meanwhile_gives_a_message_and_fresh_slots(patient_client, scan, room, day, other_patient):
    start = local(day, 10)
    _pick(patient_client, scan, start)
    patient_client.post(reverse("booking:book_payment"), {"method": "self"})
    page = patient_client.get(reverse("booking:book_confirm"))
    services.appointment_book(
        patient=other_patient,
        scan_type=scan,
        start=start,
        plan=None,
        member_number="",
        screening_answers={},
        booked_by=other_patient,
    )
    response = patient_client.post(reverse("booking:book_confirm"), {"token": _token(page)}, follow=True)
    html = response.content.decode()
    assert "just been taken" in html
    assert start.isoformat() not in html and local(day, 10, 15).isoformat() in html
    assert Appointment.objects.count() == 1


def test_a_confirm_page_left_open_until_the_time_is_too_near_says_so(patient_client, patient, scan, room, day):
    """The picker offered 10:00 with more than the 2-hour notice; the patient confirms at 08:01."""
    start = local(day, 10)
    with time_machine.travel(local(day, 7, 55), tick=False):
        patient_client.force_login(patient)  # signed in that morning (not idle since the fixture's sign-in)
        _pick(patient_client, scan, start)
        patient_client.post(reverse("booking:book_payment"), {"method": "self"})
        page = patient_client.get(reverse("booking:book_confirm"))
    with time_machine.travel(local(day, 8, 1), tick=False):
        response = patient_client.post(reverse("booking:book_confirm"), {"token": _token(page)}, follow=True)
    html = response.content.decode()
    assert "That time is now less than 2 hours away, too soon to book online." in html
    assert "just been taken" not in html
    assert not Appointment.objects.exists()


def test_a_time_not_offered_is_refused(patient_client, scan, room, day):
    response = _pick(patient_client, scan, local(day, 10, 7))
    assert response.status_code == 200 and "no longer available" in response.content.decode()
    response = patient_client.post(reverse("booking:book_when"), {"start": "not-a-time"})
    assert "Please choose one of the times shown" in response.content.decode()
    assert "start" not in patient_client.session["booking_wizard"]
    assert patient_client.get(reverse("booking:book_payment"))["Location"] == reverse("booking:book_when")


def test_a_date_in_the_past_or_beyond_the_horizon_is_refused(patient_client, scan, room, settings):
    today = timezone.localdate()
    past = today - dt.timedelta(days=2)
    response = _pick(patient_client, scan, local(past, 10))
    assert "has passed" in response.content.decode()
    far = today + dt.timedelta(days=settings.BOOKING_HORIZON_DAYS + 5)
    response = _pick(patient_client, scan, local(far, 10))
    assert f"up to {settings.BOOKING_HORIZON_DAYS} days ahead" in response.content.decode()
    response = patient_client.get(reverse("booking:book_when") + f"?date={far.isoformat()}")
    assert "up to" in response.content.decode() and local(far, 10).isoformat() not in response.content.decode()
    assert "start" not in patient_client.session["booking_wizard"]


def test_an_unknown_or_offline_scan_is_refused(patient_client, room):
    assert patient_client.get(reverse("booking:book") + "?scan=nope").status_code == 404
    hidden = ScanTypeFactory(code="staff-only", bookable_online=False)
    assert patient_client.post(reverse("booking:book"), {"scan": hidden.code}).status_code == 404


def test_screening_stop_blocks_online_booking_and_says_to_call(patient_client, mri, day):
    set_practice_details(phone="+263 24 270 0000")
    _pick(patient_client, mri, local(day, 10))
    response = patient_client.post(reverse("booking:book_safety"), {**MRI_OK, "pacemaker": "yes"})
    html = response.content.decode()
    assert "Please call us" in html and "+263 24 270 0000" in html
    assert patient_client.get(reverse("booking:book_payment"))["Location"] == reverse("booking:book_safety")
    assert patient_client.get(reverse("booking:book_confirm"))["Location"] == reverse("booking:book_safety")
    assert not Appointment.objects.exists()


def test_screening_review_books_as_requested_for_a_radiologist(patient_client, mri, day):
    _pick(patient_client, mri, local(day, 10))
    assert patient_client.post(reverse("booking:book_safety"), {"pacemaker": "no"}).status_code == 200  # incomplete
    response = patient_client.post(reverse("booking:book_safety"), {**MRI_OK, "claustrophobia": "yes"})
    assert response["Location"] == reverse("booking:book_payment")
    patient_client.post(reverse("booking:book_payment"), {"method": "self"})
    page = patient_client.get(reverse("booking:book_confirm"))
    assert "radiologist will review" in page.content.decode()
    patient_client.post(reverse("booking:book_confirm"), {"token": _token(page)})
    appointment = Appointment.objects.get()
    assert appointment.status == Status.REQUESTED and appointment.needs_review
    assert appointment.screening_answers["claustrophobia"] == "yes"


def test_steps_cannot_be_skipped(patient_client, scan, room):
    assert patient_client.get(reverse("booking:book_confirm"))["Location"] == reverse("booking:book")
    patient_client.get(reverse("booking:book") + f"?scan={scan.code}")
    assert patient_client.get(reverse("booking:book_confirm"))["Location"] == reverse("booking:book_when")


def test_staff_book_on_a_patients_behalf_through_the_same_steps(client, staff_user, scan, room, day):
    reception = staff_user(Role.RECEPTION)
    patient = UserFactory(first_name="Rudo", last_name="Ncube", date_of_birth=dt.date(1990, 2, 3), roles=[Role.PATIENT])
    UserFactory(first_name="Rudo", last_name="Staff", roles=[Role.RADIOGRAPHER])  # not a patient: not found
    client.force_login(reception)
    assert client.get(reverse("booking:book"))["Location"] == reverse("booking:book_for")
    found = client.get(reverse("booking:book_for"), {"q": "rudo", "dob": "1990-02-03"}).content.decode()
    assert "Ncube" in found and "Staff" not in found
    client.post(reverse("booking:book_for"), {"patient": patient.pk})
    _pick(client, scan, local(day, 10))
    client.post(reverse("booking:book_payment"), {"method": "self"})
    page = client.get(reverse("booking:book_confirm"))
    assert "Booking on behalf of" in page.content.decode()
    client.post(reverse("booking:book_confirm"), {"token": _token(page)})
    appointment = Appointment.objects.get()
    assert appointment.patient == patient and appointment.booked_by == reception


def test_roles_without_booking_are_refused(client, staff_user):
    client.force_login(staff_user(Role.MARKETING_EDITOR))
    assert client.get(reverse("booking:book")).status_code == 403
    assert client.get(reverse("booking:book_for")).status_code == 403


def test_the_confirm_step_warns_before_booking_inside_the_cancel_cutoff(patient_client, scan, room, day, settings):
    settings.BOOKING_CANCEL_CUTOFF_HOURS = 24 * 5  # the slot, three days ahead, is inside it
    _pick(patient_client, scan, local(day, 10))
    patient_client.post(reverse("booking:book_payment"), {"method": "self"})
    html = patient_client.get(reverse("booking:book_confirm")).content.decode()
    assert 'data-testid="cutoff-notice"' in html
    assert "less than 120 hours away" in html and "cannot be changed or cancelled online" in html


def test_the_confirm_step_has_no_cutoff_warning_outside_it(patient_client, scan, room, day, settings):
    settings.BOOKING_CANCEL_CUTOFF_HOURS = 24
    _pick(patient_client, scan, local(day, 10))
    patient_client.post(reverse("booking:book_payment"), {"method": "self"})
    html = patient_client.get(reverse("booking:book_confirm")).content.decode()
    assert 'data-testid="cutoff-notice"' not in html

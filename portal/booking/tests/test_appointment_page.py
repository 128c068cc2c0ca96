"""The appointment page (issues 18.11 and 18.12): the report and the actions first, the staff's
actions and the patient's name at the top, nothing confusing about money on a missed visit."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from portal.accounts.roles import Role
from portal.accounts.tests.factories import enable_totp, user_with_role
from portal.booking.models import Appointment
from portal.booking.tests.factories import AppointmentFactory
from portal.catalogue.tests.factories import ScanTypeFactory
from portal.reports.tests.factories import signed_report

pytestmark = pytest.mark.django_db
Status = Appointment.Status


def _staff(client, role):
    user = user_with_role(role)
    enable_totp(user)
    client.force_login(user)
    return user


def _page(client, appointment) -> str:
    return client.get(reverse("booking:detail", args=[appointment.pk])).content.decode()


def test_the_report_comes_before_the_booking_details(client):
    report = signed_report()
    client.force_login(report.appointment.patient)
    html = _page(client, report.appointment)
    assert html.index("Read the report") < html.index("Quote as booked")


def test_the_manage_actions_come_first_on_a_phone(client):
    appointment = AppointmentFactory()
    client.force_login(appointment.patient)
    html = _page(client, appointment)
    assert 'class="col-lg-4 order-first order-lg-last"' in html


def test_reception_confirms_from_the_appointment_page_and_sees_the_patient_at_the_top(client):
    appointment = AppointmentFactory(status=Status.REQUESTED, confirmed_at=None)
    _staff(client, Role.RECEPTION)
    html = _page(client, appointment)
    assert reverse("booking:action", args=[appointment.pk, "confirm"]) in html
    name = appointment.patient.get_full_name()
    assert html.index(name) < html.index("Quote as booked")


def test_reception_checks_in_from_the_appointment_page_inside_the_window(client):
    appointment = AppointmentFactory(start=timezone.now().replace(microsecond=0) + dt.timedelta(minutes=30))
    _staff(client, Role.RECEPTION)
    assert reverse("booking:action", args=[appointment.pk, "check_in"]) in _page(client, appointment)


def test_the_upload_form_is_gone_once_the_scan_is_done(client):
    scan = ScanTypeFactory(needs_referral=True)
    done = AppointmentFactory(scan_type=scan, status=Status.COMPLETED,
                              start=timezone.now() - dt.timedelta(days=2))
    client.force_login(done.patient)
    html = _page(client, done)
    assert reverse("referrals:upload_for_appointment", args=[done.pk]) not in html
    assert "Please upload it before your appointment" not in html


def test_the_upload_form_is_there_before_the_scan(client):
    ahead = AppointmentFactory(scan_type=ScanTypeFactory(needs_referral=True))
    client.force_login(ahead.patient)
    assert reverse("referrals:upload_for_appointment", args=[ahead.pk]) in _page(client, ahead)


def test_a_plan_that_pays_nothing_is_not_shown_paying_zero(client):
    from portal.catalogue.tests.factories import PlanFactory

    appointment = AppointmentFactory(plan=PlanFactory(), covered_amount=0)
    client.force_login(appointment.patient)
    html = _page(client, appointment)
    assert "pays</th>" not in html.split("Quote as booked")[1].split("</table>")[0]
    assert "does not cover this scan" in html


def test_a_missed_visit_owes_nothing_and_says_why(client):
    missed = AppointmentFactory(status=Status.NO_SHOW, start=timezone.now() - dt.timedelta(days=1),
                                no_show_at=timezone.now())
    client.force_login(missed.patient)
    html = _page(client, missed)
    assert 'data-testid="balance-due">USD 0.00<' in html or 'data-testid="balance-due">$0.00<' in html
    assert "The visit did not take place, so nothing is owed for it." in html

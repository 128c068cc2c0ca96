"""Family (proxy) access: the access matrix extended with guardian, other guardian, dependant and
ex-guardian; the audit trail and the report log say "by guardian X for dependant Y"."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from portal.accounts import proxy
from portal.accounts.models import ProxyAccess
from portal.accounts.roles import Role
from portal.accounts.tests.factories import enable_totp, user_with_role
from portal.core.audit import AuditEvent
from portal.reports.models import ReportAccess
from portal.reports.tests.factories import completed_appointment, signed_report

pytestmark = pytest.mark.django_db


def _years_ago(years: int, days: int = 0) -> dt.date:
    today = timezone.localdate()
    return today.replace(year=today.year - years) - dt.timedelta(days=days)


@pytest.fixture
def guardian():
    return user_with_role(Role.PATIENT, first_name="Tendai", last_name="Moyo")


@pytest.fixture
def child_link(guardian):
    return proxy.dependant_add(guardian=guardian, first_name="Rudo", last_name="Moyo",
                               date_of_birth=_years_ago(9), relationship="child")


@pytest.fixture
def records(child_link):
    report = signed_report(appointment=completed_appointment(patient=child_link.dependant))
    return report.appointment, report


def _acting(client, user, dependant_id):
    client.force_login(user)
    return client.post(reverse("accounts:family_switch"), {"acting_for": dependant_id})


def test_a_guardian_adds_a_child_without_an_email(client, guardian):
    client.force_login(guardian)
    response = client.post(reverse("accounts:family"), {"first_name": "Rudo", "last_name": "Moyo",
                                                        "date_of_birth": _years_ago(6).isoformat(),
                                                        "relationship": "child", "sex": "M"})
    assert response.status_code == 302
    link = ProxyAccess.objects.get(guardian=guardian)
    child = link.dependant
    assert child.sex == "M"  # for the scanner's worklist
    assert child.email.endswith("@dependants.invalid") and not child.has_usable_password()
    assert not child.notify_by_email and child.groups.filter(name=Role.PATIENT).exists()


def test_a_future_birth_date_is_refused_with_a_message(client, guardian):
    client.force_login(guardian)
    tomorrow = timezone.localdate() + dt.timedelta(days=1)
    response = client.post(reverse("accounts:family"), {"first_name": "A", "last_name": "B",
                                                        "date_of_birth": tomorrow.isoformat(), "relationship": "child"})
    assert response.status_code == 400 and "cannot be in the future" in response.content.decode()
    assert not ProxyAccess.objects.exists()


def test_an_adult_dependant_needs_their_consent(guardian):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError, match="agree"):
        proxy.dependant_add(guardian=guardian, first_name="Gogo", last_name="Moyo", date_of_birth=_years_ago(70),
                            relationship="adult", consent=False)
    with pytest.raises(ValidationError, match="adult"):
        proxy.dependant_add(guardian=guardian, first_name="Gogo", last_name="Moyo", date_of_birth=_years_ago(70),
                            relationship="child")


def test_the_guardian_reads_the_childs_appointment_and_report(client, guardian, records):
    appointment, report = records
    _acting(client, guardian, appointment.patient_id)
    assert client.get(reverse("booking:detail", args=[appointment.pk])).status_code == 200
    page = client.get(reverse("reports:view", args=[report.pk]))
    assert page.status_code == 200
    access = ReportAccess.objects.get(action=ReportAccess.Action.VIEW)
    assert access.user_id == appointment.patient_id and access.by_guardian == guardian
    assert "Guardian Tendai Moyo for Rudo Moyo" in page.content.decode()


def test_the_audit_trail_says_by_guardian_for_dependant(client, guardian, records):
    appointment, _ = records
    _acting(client, guardian, appointment.patient_id)
    client.get(reverse("booking:detail", args=[appointment.pk]))
    event = AuditEvent.objects.get(view_name="booking:detail")
    assert event.actor_id == guardian.pk and event.on_behalf_of_id == appointment.patient_id


def test_without_switching_the_guardian_sees_only_their_own(client, guardian, records):
    appointment, _ = records
    client.force_login(guardian)
    assert client.get(reverse("booking:detail", args=[appointment.pk])).status_code == 404


def test_another_guardian_cannot_switch_to_or_see_the_child(client, records):
    appointment, report = records
    other = user_with_role(Role.PATIENT)
    proxy.dependant_add(guardian=other, first_name="Own", last_name="Child", date_of_birth=_years_ago(4),
                        relationship="child")
    assert _acting(client, other, appointment.patient_id).status_code == 404
    session = client.session
    session[proxy.SESSION_KEY] = appointment.patient_id  # even a forged session gives nothing
    session.save()
    assert client.get(reverse("booking:detail", args=[appointment.pk])).status_code == 404
    assert client.get(reverse("reports:view", args=[report.pk])).status_code == 404


def test_an_ex_guardian_loses_access_at_once(client, guardian, child_link, records):
    appointment, _ = records
    _acting(client, guardian, appointment.patient_id)
    proxy.proxy_end(link=child_link, by=user_with_role(Role.RECEPTION))
    assert client.get(reverse("booking:detail", args=[appointment.pk])).status_code == 404
    assert proxy.SESSION_KEY not in client.session


def test_access_to_a_child_ends_at_the_age_of_majority(client, guardian, settings):
    link = proxy.dependant_add(guardian=guardian, first_name="Big", last_name="Kid",
                               date_of_birth=_years_ago(18, days=-1), relationship="child")  # 18 tomorrow
    appointment = completed_appointment(patient=link.dependant)
    assert proxy.is_open(link)
    assert not proxy.is_open(link, today=timezone.localdate() + dt.timedelta(days=1))
    settings.PROXY_MAJORITY_AGE = 17
    _acting(client, guardian, link.dependant_id)
    assert client.get(reverse("booking:detail", args=[appointment.pk])).status_code == 404


def test_an_adult_dependant_with_a_login_can_withdraw_access(client, guardian):
    link = proxy.dependant_add(guardian=guardian, first_name="Gogo", last_name="Moyo", date_of_birth=_years_ago(70),
                               relationship="adult", consent=True)
    adult = link.dependant
    adult.email = "gogo@example.test"
    adult.save()
    client.force_login(adult)
    assert client.post(reverse("accounts:family_end", args=[link.pk])).status_code == 302
    link.refresh_from_db()
    assert link.ended_at is not None and link.ended_by == adult


def test_someone_else_cannot_end_a_link(client, child_link):
    client.force_login(user_with_role(Role.PATIENT))
    assert client.post(reverse("accounts:family_end", args=[child_link.pk])).status_code == 404
    child_link.refresh_from_db()
    assert child_link.ended_at is None


def test_staff_end_a_link(child_link):
    reception = user_with_role(Role.RECEPTION)
    enable_totp(reception)
    proxy.proxy_end(link=child_link, by=reception)
    child_link.refresh_from_db()
    assert child_link.ended_at is not None and child_link.end_reason == "Ended by the practice"


def test_the_guardian_books_for_the_child(client, guardian, child_link, settings):
    from portal.booking.models import Appointment
    from portal.booking.tests.conftest import local, open_every_day
    from portal.booking.tests.factories import RoomFactory
    from portal.catalogue.tests.factories import ScanTypeFactory

    open_every_day(RoomFactory(name="X-ray family"))
    scan = ScanTypeFactory(code="xr-hand", name="Hand X-ray")
    day = timezone.localdate() + dt.timedelta(days=3)
    _acting(client, guardian, child_link.dependant_id)
    client.get(reverse("booking:book") + f"?scan={scan.code}")
    client.post(reverse("booking:book_when"), {"start": local(day, 10).isoformat()})
    client.post(reverse("booking:book_payment"), {"method": "self"})
    import re

    page = client.get(reverse("booking:book_confirm")).content.decode()
    token = re.search(r'name="token" value="([^"]+)"', page).group(1)
    client.post(reverse("booking:book_confirm"), {"token": token})
    booked = Appointment.objects.get()
    assert booked.patient == child_link.dependant


def test_the_header_offers_me_and_each_dependant(client, guardian, child_link):
    client.force_login(guardian)
    html = client.get(reverse("accounts:dashboard")).content.decode()
    assert 'id="acting-for"' in html and "Rudo Moyo" in html


def test_switching_person_on_a_record_page_lands_on_the_dashboard_not_a_404(client, guardian, records):
    """On the child's appointment page, "back to me" cannot return to that page (it is the child's);
    a list page is kept."""
    appointment, _report = records
    _acting(client, guardian, appointment.patient_id)
    detail = reverse("booking:detail", args=[appointment.pk])
    assert client.get(detail).status_code == 200
    response = client.post(reverse("accounts:family_switch"), {"acting_for": "me", "next": detail})
    assert response.status_code == 302 and response["Location"] == reverse("accounts:dashboard")
    assert client.get(response["Location"]).status_code == 200
    listing = reverse("booking:list")
    response = client.post(reverse("accounts:family_switch"), {"acting_for": "me", "next": listing})
    assert response["Location"] == listing

"""The payments desk (issue 18.9): one day's payments with pagination, a search by patient name,
reference or receipt number, and the day's totals (received, refunded, net, per method)."""

from __future__ import annotations

import datetime as dt
import re
import zoneinfo
from decimal import Decimal

import pytest
from django.urls import reverse

from portal.accounts.roles import Role
from portal.accounts.tests.factories import UserFactory, enable_totp, user_with_role
from portal.booking.tests.factories import AppointmentFactory
from portal.payments import selectors
from portal.payments.models import Payment
from portal.payments.tests.factories import PaymentFactory

pytestmark = pytest.mark.django_db

HARARE = zoneinfo.ZoneInfo("Africa/Harare")
DAY = dt.date(2026, 11, 20)


def at(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=HARARE)


def _rows(page: str) -> list[str]:
    body = page.split('id="payments-heading"', 1)[1]
    return re.findall(r'<td data-label="Date">([^<]+)</td>', body)


def test_the_desk_shows_the_chosen_day_25_a_page_with_a_pager_that_keeps_the_day(reception_client):
    for minute in range(30):
        PaymentFactory(paid_at=at(DAY, 8, minute))
    PaymentFactory(paid_at=at(DAY - dt.timedelta(days=1), 12))  # another day: not listed
    page = reception_client.get(reverse("payments:list"), {"day": DAY.isoformat()}).content.decode()
    assert "Payments on 20 Nov 2026" in page
    assert len(_rows(page)) == 25 and _rows(page)[0] == "20 Nov 2026 08:29"
    assert "Page 1 of 2" in page and 'href="?day=2026-11-20&amp;page=2"' in page
    second = reception_client.get(reverse("payments:list"), {"day": DAY.isoformat(), "page": 2}).content.decode()
    assert len(_rows(second)) == 5 and "Page 2 of 2" in second


def test_the_day_is_the_practices_day_in_harare(reception_client):
    PaymentFactory(paid_at=dt.datetime(2026, 11, 19, 22, 30, tzinfo=dt.UTC), reference="EARLY")  # 00:30 in Harare
    PaymentFactory(paid_at=dt.datetime(2026, 11, 20, 22, 30, tzinfo=dt.UTC), reference="NEXTDAY")
    page = reception_client.get(reverse("payments:list"), {"day": DAY.isoformat()}).content.decode()
    assert _rows(page) == ["20 Nov 2026 00:30"]


@pytest.mark.parametrize("query", ["Rutendo", "rutendo chari", "CHARI", "SLIP-4411", "slip-44", "receipt"])
def test_search_finds_a_payment_of_any_day_by_name_reference_or_receipt_number(reception_client, query):
    patient = UserFactory(first_name="Rutendo", last_name="Chari", roles=[Role.PATIENT])
    wanted = PaymentFactory(appointment=AppointmentFactory(patient=patient), reference="SLIP-4411",
                            paid_at=at(DAY - dt.timedelta(days=40), 9))
    other = PaymentFactory(reference="EFT-9", paid_at=at(DAY, 9))
    if query == "receipt":
        query = f"R-{wanted.pk:06d}"
    page = reception_client.get(reverse("payments:list"), {"day": DAY.isoformat(), "q": query}).content.decode()
    assert f"Payments matching “{query}”" in page
    assert reverse("payments:receipt", args=[wanted.pk]) in page
    assert reverse("payments:receipt", args=[other.pk]) not in page
    assert f"R-{wanted.pk:06d}" in page


def test_search_by_a_receipt_number_without_the_zeros(reception_client):
    wanted = PaymentFactory(paid_at=at(DAY, 9))
    PaymentFactory(paid_at=at(DAY, 10))
    assert list(selectors.payment_desk_list(user=_reception(), day=DAY, query=f"r{wanted.pk}")) == [wanted]
    assert list(selectors.payment_desk_list(user=_reception(), day=DAY, query=str(wanted.pk))) == [wanted]


def test_a_search_that_matches_nothing_says_so(reception_client):
    PaymentFactory(paid_at=at(DAY, 9))
    page = reception_client.get(reverse("payments:list"), {"q": "Nobody"}).content.decode()
    assert "No payment matches “Nobody”" in page and not _rows(page)


def test_day_totals_received_refunded_net_and_per_method(reception_client):
    PaymentFactory(method=Payment.Method.CASH, amount=Decimal("50.00"), paid_at=at(DAY, 8))
    PaymentFactory(method=Payment.Method.CASH, amount=Decimal("25.50"), paid_at=at(DAY, 15))
    PaymentFactory(method=Payment.Method.EFT, amount=Decimal("100.00"), paid_at=at(DAY, 9))
    # Paid yesterday, given back today: a refund of the chosen day, not a receipt of it.
    PaymentFactory(method=Payment.Method.CASH, amount=Decimal("40.00"), paid_at=at(DAY - dt.timedelta(days=1), 9),
                   status=Payment.Status.PARTIALLY_REFUNDED, refunded_amount=Decimal("20.00"),
                   refunded_at=at(DAY, 11))
    PaymentFactory(method=Payment.Method.CASH, amount=Decimal("9.00"), paid_at=None,
                   status=Payment.Status.PENDING)  # not received: not in the totals
    PaymentFactory(method=Payment.Method.EFT, amount=Decimal("70.00"), paid_at=at(DAY + dt.timedelta(days=1), 9))

    totals = selectors.payment_day_totals(user=_reception(), day=DAY)
    assert (totals.received, totals.refunded, totals.net, totals.payments) == (
        Decimal("175.50"), Decimal("20.00"), Decimal("155.50"), 3)
    assert [(r.label, r.payments, r.received, r.refunded, r.net) for r in totals.by_method] == [
        ("Cash", 2, Decimal("75.50"), Decimal("20.00"), Decimal("55.50")),
        ("EFT / bank transfer", 1, Decimal("100.00"), Decimal("0.00"), Decimal("100.00")),
    ]

    page = reception_client.get(reverse("payments:list"), {"day": DAY.isoformat()}).content.decode()
    totals_html = page.split('id="totals-heading"', 1)[1].split("</section>", 1)[0]
    assert "Totals for 20 Nov 2026" in page
    assert re.search(r"Received</dt><dd[^>]*>USD 175.50<", totals_html)
    assert re.search(r"Refunded</dt><dd[^>]*>USD 20.00<", totals_html)
    assert re.search(r"Net</dt><dd[^>]*>USD 155.50<", totals_html)
    assert "Cash" in totals_html and "USD 55.50" in totals_html


def test_a_bad_day_gets_a_message_and_the_desk_shows_today(reception_client):
    response = reception_client.get(reverse("payments:list"), {"day": "31/31/2026"})
    assert response.status_code == 200
    assert "Enter the day as a date, e.g. 2 Dec 2026." in [str(m) for m in response.context["messages"]]
    assert response.context["day"] == response.context["today"]


def test_patients_get_no_desk_and_the_desk_selectors_give_them_nothing(client):
    mine = PaymentFactory(paid_at=at(DAY, 9))
    PaymentFactory(paid_at=at(DAY, 10))
    patient = mine.appointment.patient
    client.force_login(patient)
    page = client.get(reverse("payments:list"), {"day": DAY.isoformat(), "q": ""}).content.decode()
    assert "Payments desk" not in page and "Totals for" not in page
    assert page.count(">Receipt</a>") == 1
    assert not selectors.payment_desk_list(user=patient, day=DAY).exists()
    assert selectors.payment_day_totals(user=patient, day=DAY).by_method == ()


def _reception():
    user = user_with_role(Role.RECEPTION)
    enable_totp(user)
    return user


def test_a_number_searches_receipts_and_references_not_emails(reception_client):
    wanted = PaymentFactory(paid_at=at(DAY, 9))
    digits = str(wanted.pk)
    other = PaymentFactory(paid_at=at(DAY, 10),
                           appointment=AppointmentFactory(patient=UserFactory(email=f"a{digits}@x.test",
                                                                               roles=[Role.PATIENT])))
    found = list(selectors.payment_desk_list(user=_reception(), day=DAY, query=digits))
    assert wanted in found and other not in found

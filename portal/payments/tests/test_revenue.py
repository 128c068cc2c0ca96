from __future__ import annotations

import datetime as dt
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from portal.booking.tests.factories import AppointmentFactory
from portal.catalogue.tests.factories import ScanTypeFactory
from portal.payments.selectors import revenue_by
from portal.payments.tests.factories import PaymentFactory

pytestmark = pytest.mark.django_db

HARARE = ZoneInfo("Africa/Harare")


def at(day: int, hour: int) -> dt.datetime:
    return dt.datetime(2026, 3, day, hour, 0, tzinfo=HARARE)


@pytest.fixture
def ledger():
    """Payments with hand-chosen amounts. Expected totals below are worked out by hand."""
    xray = AppointmentFactory(scan_type=ScanTypeFactory(code="XR-CHEST", name="Chest X-ray"))
    mri = AppointmentFactory(scan_type=ScanTypeFactory(code="MR-KNEE", name="MRI knee"))
    # 2 March
    PaymentFactory(appointment=xray, amount=Decimal("40.00"), method="cash", paid_at=at(2, 9))
    PaymentFactory(appointment=mri, amount=Decimal("300.00"), method="card_online", paid_at=at(2, 10),
                   refunded_amount=Decimal("300.00"), status="refunded")
    PaymentFactory(appointment=mri, amount=Decimal("700.00"), method="medical_aid_claim", paid_at=at(2, 11))
    # 3 March, 00:30 in Harare is still 2 March in UTC: it belongs to the 3rd
    PaymentFactory(appointment=xray, amount=Decimal("60.50"), method="card_at_practice",
                   paid_at=dt.datetime(2026, 3, 3, 0, 30, tzinfo=HARARE))
    PaymentFactory(appointment=mri, amount=Decimal("200.00"), method="eft", paid_at=at(3, 15),
                   refunded_amount=Decimal("50.25"), status="partially_refunded")
    # not counted: pending, failed, and outside the range
    PaymentFactory(appointment=mri, amount=Decimal("999.00"), method="card_online", status="pending", paid_at=None)
    PaymentFactory(appointment=mri, amount=Decimal("888.00"), method="card_online", status="failed", paid_at=None)
    PaymentFactory(appointment=xray, amount=Decimal("777.00"), method="cash", paid_at=at(4, 8))
    PaymentFactory(appointment=xray, amount=Decimal("666.00"), method="cash", paid_at=at(1, 23))


def _by_key(rows):
    return {row["key"]: (row["payments"], row["received"], row["refunded"], row["net"]) for row in rows}


def test_revenue_by_day(ledger):
    rows = revenue_by(start=dt.date(2026, 3, 2), end=dt.date(2026, 3, 4), group_by="day")
    assert _by_key(rows) == {
        dt.date(2026, 3, 2): (3, Decimal("1040.00"), Decimal("300.00"), Decimal("740.00")),
        dt.date(2026, 3, 3): (2, Decimal("260.50"), Decimal("50.25"), Decimal("210.25")),
    }
    assert [row["label"] for row in rows] == ["2026-03-02", "2026-03-03"]


def test_revenue_by_scan_type(ledger):
    rows = revenue_by(start=dt.date(2026, 3, 2), end=dt.date(2026, 3, 4), group_by="scan_type")
    assert _by_key(rows) == {
        "MR-KNEE": (3, Decimal("1200.00"), Decimal("350.25"), Decimal("849.75")),
        "XR-CHEST": (2, Decimal("100.50"), Decimal("0.00"), Decimal("100.50")),
    }
    assert {row["label"] for row in rows} == {"MRI knee", "Chest X-ray"}


def test_revenue_by_method(ledger):
    rows = revenue_by(start=dt.date(2026, 3, 2), end=dt.date(2026, 3, 4), group_by="method")
    assert _by_key(rows) == {
        "card_at_practice": (1, Decimal("60.50"), Decimal("0.00"), Decimal("60.50")),
        "card_online": (1, Decimal("300.00"), Decimal("300.00"), Decimal("0.00")),
        "cash": (1, Decimal("40.00"), Decimal("0.00"), Decimal("40.00")),
        "eft": (1, Decimal("200.00"), Decimal("50.25"), Decimal("149.75")),
        "medical_aid_claim": (1, Decimal("700.00"), Decimal("0.00"), Decimal("700.00")),
    }
    assert sum(row["net"] for row in rows) == Decimal("950.25")  # = 740.00 + 210.25


def test_revenue_in_one_query(ledger, django_assert_num_queries):
    with django_assert_num_queries(1):
        revenue_by(start=dt.date(2026, 3, 1), end=dt.date(2026, 3, 5), group_by="scan_type")


def test_revenue_refuses_unknown_grouping():
    with pytest.raises(ValueError, match="Unknown grouping"):
        revenue_by(start=dt.date(2026, 3, 1), end=dt.date(2026, 3, 5), group_by="patient")

"""The quote: covered + patient pays == total, nothing negative, whole cents, the cap never exceeded."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from portal.catalogue.pricing import Cover, Quote, money, quote

prices = st.decimals(min_value=Decimal("0"), max_value=Decimal("100000"), places=4, allow_nan=False)
percents = st.decimals(min_value=Decimal("0"), max_value=Decimal("100"), places=2, allow_nan=False)
amounts = st.decimals(min_value=Decimal("0"), max_value=Decimal("100000"), places=2, allow_nan=False)
covers = st.one_of(
    st.none(),
    st.builds(Cover, percent_covered=percents, tariff_cap=st.one_of(st.none(), amounts), co_payment=amounts),
)


def _whole_cents(value: Decimal) -> bool:
    return value == value.quantize(Decimal("0.01"))


@given(price=prices, cover=covers)
def test_covered_plus_patient_pays_is_the_total(price, cover):
    q = quote(price, cover)
    assert q.covered + q.patient_pays == q.total == money(price)
    assert q.shortfall + q.co_payment == q.patient_pays


@given(price=prices, cover=covers)
def test_nothing_is_negative_and_everything_is_whole_cents(price, cover):
    q = quote(price, cover)
    for value in (q.total, q.covered, q.shortfall, q.co_payment, q.patient_pays):
        assert value >= 0
        assert _whole_cents(value)


@given(price=prices, percent=percents, cap=amounts, co_payment=amounts)
def test_the_aid_never_pays_more_than_the_cap_or_its_percent(price, percent, cap, co_payment):
    q = quote(price, Cover(percent_covered=percent, tariff_cap=cap, co_payment=co_payment))
    assert q.covered <= money(cap)
    assert q.covered <= money(money(price) * percent / 100)
    assert q.patient_pays >= min(money(co_payment), q.total)


@given(price=prices, cover=covers)
def test_a_quote_survives_being_stored_as_a_dict(price, cover):
    q = quote(price, cover)
    assert Quote.from_dict(q.as_dict()) == q


def test_self_pay_means_the_patient_pays_everything():
    q = quote(Decimal("180.00"), None)
    assert (q.covered, q.patient_pays, q.self_pay) == (Decimal("0.00"), Decimal("180.00"), True)


def test_percent_cap_and_co_payment_together():
    q = quote(Decimal("420.00"), Cover(Decimal("70"), tariff_cap=Decimal("300"), co_payment=Decimal("20")))
    assert (q.covered, q.shortfall, q.co_payment, q.patient_pays) == (
        Decimal("294.00"), Decimal("106.00"), Decimal("20.00"), Decimal("126.00")
    )
    capped = quote(Decimal("450.00"), Cover(Decimal("90"), tariff_cap=Decimal("300")))
    assert capped.covered == Decimal("300.00")


def test_half_cents_round_half_up():
    assert quote(Decimal("0.05"), Cover(Decimal("50"))).covered == Decimal("0.03")


@pytest.mark.parametrize("bad", [Decimal("-0.01"), Decimal("100.01")])
def test_a_cover_percent_outside_0_to_100_is_refused(bad):
    with pytest.raises(ValueError):
        quote(Decimal("10"), Cover(bad))


def test_a_negative_price_is_refused():
    with pytest.raises(ValueError):
        quote(Decimal("-1"), None)

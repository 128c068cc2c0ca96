"""The quote: what a scan costs, what the medical aid pays, and what the patient pays.

Pure (no database): the pricing page's estimator and the booking flow both call `quote`.
Money is Decimal throughout, rounded once per figure to whole cents, half up.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from decimal import ROUND_HALF_UP, Decimal

CENT = Decimal("0.01")
ZERO = Decimal("0.00")


def money(value: Decimal | int | str) -> Decimal:
    """The one rounding rule: whole cents, half up."""
    return Decimal(value).quantize(CENT, rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class Cover:
    """The terms of one cover rule, detached from the database."""

    percent_covered: Decimal
    tariff_cap: Decimal | None = None
    co_payment: Decimal = ZERO


@dataclass(frozen=True)
class Quote:
    total: Decimal  # the practice's price
    covered: Decimal  # what the medical aid pays
    shortfall: Decimal  # the part of the price the aid does not cover, before the co-payment
    co_payment: Decimal  # the fixed amount the patient pays under the plan
    patient_pays: Decimal  # shortfall + co-payment (never more than the total)
    self_pay: bool

    def as_dict(self) -> dict[str, str | bool]:
        return {k: (str(v) if isinstance(v, Decimal) else v) for k, v in asdict(self).items()}

    @classmethod
    def from_dict(cls, data: dict) -> Quote:
        return cls(
            total=Decimal(data["total"]),
            covered=Decimal(data["covered"]),
            shortfall=Decimal(data["shortfall"]),
            co_payment=Decimal(data["co_payment"]),
            patient_pays=Decimal(data["patient_pays"]),
            self_pay=bool(data["self_pay"]),
        )


def quote(price: Decimal, cover: Cover | None) -> Quote:
    """Split `price` between the medical aid and the patient.

    - No cover (self-pay, or the plan has no rule for this scan): the patient pays everything.
    - The aid pays `percent_covered` of the price, at most `tariff_cap`, and never more than what is
      left after the patient's fixed co-payment; the patient pays the rest.
    Always: covered + patient_pays == total; nothing negative; whole cents; the cap never exceeded.
    """
    total = money(price)
    if total < 0:
        raise ValueError("A price cannot be negative.")
    if cover is None:
        return Quote(total, ZERO, total, ZERO, total, self_pay=True)
    percent = Decimal(cover.percent_covered)
    if not Decimal(0) <= percent <= Decimal(100):
        raise ValueError("A cover percent must be between 0 and 100.")
    co_payment = min(money(max(Decimal(cover.co_payment), Decimal(0))), total)
    covered = money(total * percent / Decimal(100))
    if cover.tariff_cap is not None:
        covered = min(covered, money(max(Decimal(cover.tariff_cap), Decimal(0))))
    covered = min(covered, total - co_payment)
    patient_pays = total - covered
    shortfall = patient_pays - co_payment
    return Quote(total, covered, shortfall, co_payment, patient_pays, self_pay=False)

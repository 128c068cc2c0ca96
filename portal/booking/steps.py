"""The booking wizard's steps: a registry other apps add to (referrals adds the letter), read by
the wizard's pages (wizard.py) and by the booking service, which runs each step's `on_booked`
inside the booking's transaction. No request or session here, so the service can import it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Step:
    key: str
    label: str
    url_name: str
    order: int
    needed: Callable[[Any], bool] = field(default=lambda scan: True, compare=False)  # scan -> bool
    done: Callable[[dict], bool] = field(default=lambda state: False, compare=False)  # state -> bool
    # Called inside the booking's transaction with (appointment, state); raising undoes the booking.
    on_booked: Callable[[Any, dict], None] | None = field(default=None, compare=False)
    # (state, patient) -> is what the state names still usable (the API checks it before booking).
    valid: Callable[[dict, Any], bool] = field(default=lambda state, patient: True, compare=False)


_steps: list[Step] = []


def register_step(step: Step) -> None:
    if all(s.key != step.key for s in _steps):
        _steps.append(step)
        _steps.sort(key=lambda s: s.order)


def steps_for(scan) -> list[Step]:
    return [s for s in _steps if scan is None or s.needed(scan)]


def _has(key: str) -> Callable[[dict], bool]:
    return lambda state: bool(state.get(key))


register_step(Step("scan", "Scan", "booking:book", 10, done=_has("scan")))
register_step(Step("when", "Date & time", "booking:book_when", 20, done=_has("start")))
register_step(Step("safety", "Safety", "booking:book_safety", 30,
                   needed=lambda scan: bool(scan.screening_kinds),
                   done=lambda state: bool(state.get("scan")) and state.get("screened") == state.get("scan")))
register_step(Step("payment", "Payment", "booking:book_payment", 40, done=_has("payment")))
register_step(Step("confirm", "Confirm", "booking:book_confirm", 90))

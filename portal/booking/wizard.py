"""The booking wizard's state (kept in the session) and its steps.

Nothing the browser posts is trusted at the end: the confirm step re-derives the scan, the slot,
the plan and the quote from this state and the database, and the booking service re-checks the
slot under lock. Other apps add steps with `register_step` (referrals adds the letter upload).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.urls import reverse

SESSION_KEY = "booking_wizard"


@dataclass(frozen=True)
class Step:
    key: str
    label: str
    url_name: str
    order: int
    needed: Callable[[Any], bool] = field(default=lambda scan: True, compare=False)  # scan -> bool
    done: Callable[[dict], bool] = field(default=lambda state: False, compare=False)  # state -> bool
    # Called inside the booking's transaction with (appointment, state, request).
    on_booked: Callable[[Any, dict, Any], None] | None = field(default=None, compare=False)
    # (state, patient) -> is what the state names still usable (the API checks it before booking).
    valid: Callable[[dict, Any], bool] = field(default=lambda state, patient: True, compare=False)


_steps: list[Step] = []


def register_step(step: Step) -> None:
    if all(s.key != step.key for s in _steps):
        _steps.append(step)
        _steps.sort(key=lambda s: s.order)


def steps_for(scan) -> list[Step]:
    return [s for s in _steps if scan is None or s.needed(scan)]


class Wizard:
    """Read and write the wizard's state in the session."""

    def __init__(self, request):
        self.request = request
        self.state: dict[str, Any] = dict(request.session.get(SESSION_KEY) or {})

    def save(self) -> None:
        self.request.session[SESSION_KEY] = self.state
        self.request.session.modified = True

    def update(self, **values) -> None:
        self.state.update(values)
        self.save()

    def drop(self, *keys: str) -> None:
        for key in keys:
            self.state.pop(key, None)
        self.save()

    def reset(self, **keep) -> None:
        self.state = dict(keep)
        self.save()

    def first_missing(self, scan, *, before: str | None = None) -> Step | None:
        """The first step not done yet (optionally only among those ordered before `before`)."""
        for step in steps_for(scan):
            if before is not None and step.key == before:
                return None
            if not step.done(self.state):
                return step
        return None

    def redirect_url(self, step: Step) -> str:
        return reverse(step.url_name)

    def progress(self, scan, current: str) -> list[dict[str, Any]]:
        items, passed = [], True
        for step in steps_for(scan):
            is_current = step.key == current
            if is_current:
                passed = False
            items.append({"label": step.label, "url": reverse(step.url_name), "current": is_current,
                          "done": passed and step.done(self.state)})
        return items


def _has(key: str) -> Callable[[dict], bool]:
    return lambda state: bool(state.get(key))


register_step(Step("scan", "Scan", "booking:book", 10, done=_has("scan")))
register_step(Step("when", "Date & time", "booking:book_when", 20, done=_has("start")))
register_step(Step("safety", "Safety", "booking:book_safety", 30,
                   needed=lambda scan: bool(scan.screening_kinds),
                   done=lambda state: bool(state.get("scan")) and state.get("screened") == state.get("scan")))
register_step(Step("payment", "Payment", "booking:book_payment", 40, done=_has("payment")))
register_step(Step("confirm", "Confirm", "booking:book_confirm", 90))

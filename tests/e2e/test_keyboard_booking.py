"""The booking slot picker by keyboard alone: Tab to a day, Enter to load its times (htmx), arrow
keys and Space to choose a time, Enter to continue. No mouse click anywhere."""

from __future__ import annotations

import re

import pytest

from tests.e2e.support import PATIENT, seed_demo

pytestmark = pytest.mark.e2e
DEMO_PASSWORD = "Radiology-demo-2026"


def _tab_to(page, selector: str, *, limit: int = 80) -> None:
    """Press Tab until the focused element matches `selector`."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate("(s) => document.activeElement && document.activeElement.matches(s)", selector):
            return
    raise AssertionError(f"Tab never reached {selector}")


def _focused(page, expression: str):
    return page.evaluate(f"() => {{ const el = document.activeElement; return {expression}; }}")


def test_slot_picker_by_keyboard_alone(journey):
    seed_demo()
    page = journey.goto("/login/")
    page.get_by_label("Email").focus()
    page.keyboard.type(PATIENT)
    page.keyboard.press("Tab")
    page.keyboard.type(DEMO_PASSWORD)
    with page.expect_navigation():
        page.keyboard.press("Enter")

    page = journey.visit("/appointments/book/?scan=us-abdomen", "date and time")
    first_day = page.locator("#picker legend span").first.inner_text()

    # Tab to a day with free times that is not the one shown, and open it with Enter.
    _tab_to(page, ".day-chip:not(.full):not(.selected)")
    wanted = _focused(page, "el.getAttribute('href')").split("=")[-1]
    with page.expect_response(re.compile(r"/book/slots/")):
        page.keyboard.press("Enter")
    page.locator(f'#picker .day-chip.selected[href$="{wanted}"]').wait_for()
    assert page.locator("#picker legend span").first.inner_text() != first_day
    # After the swap, focus is back on the chosen day (not lost to the page's top).
    assert _focused(page, "el.classList.contains('day-chip') && el.classList.contains('selected')")
    journey.snap("another day by keyboard")

    # Into the times: the first radio takes focus; arrows move along the group, Space chooses.
    _tab_to(page, "#picker input[name=start]")
    page.keyboard.press("ArrowRight")
    page.keyboard.press("ArrowRight")
    page.keyboard.press("Space")
    chosen = _focused(page, "el.checked ? el.value : null")
    assert chosen, "Space did not choose the focused time"
    label = page.locator(f"label[for='{_focused(page, 'el.id')}']")
    # The focused time is visibly marked (WCAG 2.4.7): Bootstrap's focus ring on its label.
    assert label.evaluate("(l) => getComputedStyle(l).boxShadow") not in ("", "none")
    journey.snap("time chosen by keyboard")
    journey.check_accessibility("time chosen by keyboard")

    _tab_to(page, "#main form button.btn-primary[type=submit]")  # Continue
    with page.expect_navigation():
        page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/book/payment/"))
    journey.snap("payment reached by keyboard")
    from portal.core.clock import parse_aware as parse_start
    from portal.core.clock import practice_tz

    assert parse_start(chosen).astimezone(practice_tz()).strftime("%H:%M") in page.locator("aside").inner_text()
    journey.assert_clean()

"""A staff member's first sign-in: the portal requires two-factor authentication, so they enrol an
authenticator app (TOTP) in the browser, reach their worklist, sign out, and sign in again with a
code. Codes are computed from the secret the activation page shows, as an authenticator app would."""

from __future__ import annotations

import re

import pytest

from tests.e2e.conftest import DEMO_PASSWORD
from tests.e2e.support import RADIOLOGIST, seed_demo

pytestmark = pytest.mark.e2e


def _code(secret: str) -> str:
    from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value, yield_hotp_counters_from_time

    counters = list(yield_hotp_counters_from_time())
    return format_hotp_value(hotp_value(secret, counters[len(counters) // 2]))


def test_staff_enrols_totp_and_signs_in_with_a_code(journey, settings):
    settings.STAFF_MFA_REQUIRED = True
    seed_demo()
    page = journey.sign_in(RADIOLOGIST, check=True)
    # Straight to the authenticator set-up: no staff page opens before it. (allauth asks for the
    # password once more before activating an authenticator: only a fresh re-authentication counts.)
    if "/reauthenticate/" in page.url:
        journey.arrived("confirm access")
        page.get_by_label("Password").fill(DEMO_PASSWORD)
        journey.follow(page.get_by_role("button", name="Confirm"))
    page.wait_for_url(re.compile(r"/2fa/totp/activate/"))
    journey.arrived("set up two-factor")
    page = journey.goto("/reports/worklist/")
    page.wait_for_url(re.compile(r"/2fa/totp/activate/"))

    secret = page.locator("#authenticator_secret").input_value()
    assert re.fullmatch(r"[A-Z2-7]{16,}=*", secret)
    page.get_by_label(re.compile("Authenticator code", re.I)).fill(_code(secret))
    journey.follow(page.get_by_role("button", name="Activate"), "two-factor on")
    page = journey.visit("/reports/worklist/", "reporting worklist")
    assert page.get_by_role("heading", name="Reporting worklist").is_visible()

    # Sign out; the next sign-in asks for a code from the app.
    journey.goto("/logout/")
    journey.follow(page.locator("#main").get_by_role("button", name=re.compile("Sign out|Log out", re.I)))
    page = journey.sign_in(RADIOLOGIST)
    page.wait_for_url(re.compile(r"/2fa/authenticate/"))
    journey.arrived("code asked")
    page.locator("input[name=code]").fill(_code(secret))
    sign_in = page.locator("#main").get_by_role("button", name=re.compile("Sign in", re.I))
    journey.follow(sign_in, "signed in with a code")
    assert "/2fa/" not in page.url
    journey.visit("/reports/worklist/", "reporting worklist again")
    journey.assert_clean()

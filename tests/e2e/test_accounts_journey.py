"""A visitor registers, verifies their email, signs in and lands on their dashboard."""

from __future__ import annotations

import re

import pytest
from django.core import mail

pytestmark = pytest.mark.e2e


def test_patient_registers_verifies_and_signs_in(journey):
    page = journey.visit("/", "home")
    page.get_by_role("link", name="Register").first.click()
    journey.snap("register form")
    journey.check_accessibility("register")
    page.get_by_label("First name").fill("Tendai")
    page.get_by_label("Last name").fill("Moyo")
    page.get_by_label("Email").fill("tendai.e2e@example.test")
    page.get_by_label("Phone").fill("+263771234567")
    page.get_by_label("Password", exact=True).fill("Blue-pelican-river-72")
    page.get_by_label("Password (again)").fill("Blue-pelican-river-72")
    page.get_by_role("button", name="Register").click()
    page.wait_for_url(re.compile(r"/accounts/confirm-email/"))
    journey.snap("check your email")

    link = re.search(r"https?://[^/\s]+(/accounts/confirm-email/[^\s]+/)", mail.outbox[-1].body).group(1)
    journey.goto(link)
    journey.snap("confirm email")
    page.get_by_role("button", name="Confirm").click()

    journey.visit("/login/", "login")
    page.get_by_label("Email").fill("tendai.e2e@example.test")
    page.get_by_label("Password").fill("Blue-pelican-river-72")
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(re.compile(r"/dashboard/"))
    journey.snap("dashboard")
    journey.check_accessibility("dashboard")
    assert "Signed in as Patient" in page.content()
    assert journey.console_errors == []
    assert journey.axe_violations == []

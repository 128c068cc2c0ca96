from __future__ import annotations

import io

import pytest

from portal.feedback.models import Feedback
from portal.referrals.models import Referral
from portal.reports.models import Report
from portal.reports.tests.factories import completed_appointment

pytestmark = pytest.mark.django_db


def _seed() -> str:
    """The demo steps this app depends on and adds (not booking's, which makes its own appointments)."""
    from django.core.management.base import OutputWrapper
    from django.core.management.color import no_style

    from portal.accounts import demo as accounts_demo
    from portal.feedback import demo as feedback_demo
    from portal.reports import demo as reports_demo

    out = io.StringIO()
    for module in (accounts_demo, reports_demo, feedback_demo):
        module.seed(stdout=OutputWrapper(out), style=no_style(), options={})
    reports_demo.seed_after(stdout=OutputWrapper(out), style=no_style(), options={})
    return out.getvalue()


def test_the_demo_skips_reports_and_feedback_without_completed_appointments():
    out = _seed()
    assert "no completed appointments yet" in out
    assert not Report.objects.exists() and not Feedback.objects.exists()


def test_the_demo_adds_referrals_signed_reports_and_feedback_once():
    from portal.accounts.models import User

    _seed()
    patient = User.objects.get(email="patient@demo.test")
    for hours in (30, 20, 10, 5):
        completed_appointment(patient=patient, hours_ago=hours)
    _seed()
    counts = (Referral.objects.count(), Report.objects.count(), Feedback.objects.count())
    assert counts == (5, 2, 3)  # 4 linked referrals + 1 received; 2 left on the worklist; latest visit unrated
    report = Report.objects.first()
    assert report.status == Report.Status.SIGNED and report.pdf.read().startswith(b"%PDF")
    _seed()
    assert (Referral.objects.count(), Report.objects.count(), Feedback.objects.count()) == counts


def test_every_demo_scan_type_has_report_text_of_its_own():
    from portal.catalogue.demo import SCAN_TYPES
    from portal.reports.demo import TEXTS

    assert {row[0] for row in SCAN_TYPES} <= set(TEXTS)
    ct_abdomen = TEXTS["ct-abdomen-pelvis"]
    assert "intracranial" not in " ".join(ct_abdomen).lower() and "appendi" in ct_abdomen[0]


def test_a_demo_report_carries_the_findings_of_its_own_scan():
    from portal.catalogue.tests.factories import ScanTypeFactory
    from portal.reports.demo import TEXTS

    _seed()
    ct_abdomen = ScanTypeFactory(code="ct-abdomen-pelvis", modality="ct", name="CT abdomen and pelvis")
    for hours in (30, 20, 10):
        completed_appointment(hours_ago=hours, scan_type=ct_abdomen)
    _seed()
    findings = set(Report.objects.values_list("findings", flat=True))
    assert findings == {TEXTS["ct-abdomen-pelvis"][0]}


def test_the_main_demo_patient_always_gets_a_signed_report():
    from portal.accounts.models import User

    _seed()
    patient = User.objects.get(email="patient@demo.test")
    completed_appointment(hours_ago=50)
    completed_appointment(patient=patient, hours_ago=20)  # the patient's visits are the most recent two
    completed_appointment(patient=patient, hours_ago=10)
    _seed()
    report = Report.objects.get(appointment__patient=patient)
    assert report.status == Report.Status.SIGNED and report.pdf.read().startswith(b"%PDF")
    assert Report.objects.count() == 2  # one of the three still waits on the radiologist's worklist


def test_the_whole_demo_prints_the_practice_letterhead_on_the_main_patients_report():
    from django.core.management import call_command
    from pypdf import PdfReader

    call_command("seed_demo", stdout=io.StringIO())
    report = Report.objects.filter(appointment__patient__email="patient@demo.test",
                                   status=Report.Status.SIGNED).first()
    assert report is not None
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(report.pdf.read())).pages)
    assert "Msasa Park Radiology" in text
    assert "Radiology Portal" not in text

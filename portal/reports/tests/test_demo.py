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

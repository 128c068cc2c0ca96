from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from hypothesis import given
from hypothesis import strategies as st

from portal.referrals.names import doctor_display_name
from portal.referrals.services import referral_upload
from portal.reports.pdf import render_report_html
from portal.reports.tests.factories import PDF_BYTES, signed_report


@pytest.mark.parametrize("typed", ["T. Chikwanha", "Dr T. Chikwanha", "dr. T. Chikwanha", "DR  T.  Chikwanha",
                                   "Doctor T. Chikwanha", "Dr Dr T. Chikwanha", " Dr: T. Chikwanha "])
def test_a_typed_doctor_name_gets_exactly_one_title(typed):
    assert doctor_display_name(typed) == "Dr T. Chikwanha"


def test_a_name_that_starts_like_the_title_keeps_its_letters():
    assert doctor_display_name("Drummond Moyo") == "Dr Drummond Moyo"
    assert doctor_display_name("   ") == ""


@given(st.text(max_size=40))
def test_normalising_twice_changes_nothing(name):
    once = doctor_display_name(name)
    assert doctor_display_name(once) == once


@pytest.mark.django_db
def test_the_report_pdf_names_a_patient_typed_doctor_with_one_title():
    report = signed_report()
    referral_upload(patient=report.appointment.patient, uploaded_file=SimpleUploadedFile("l.pdf", PDF_BYTES),
                    uploaded_by=report.appointment.patient, appointment=report.appointment,
                    doctor_name="Dr T. Chikwanha")
    html = render_report_html(report)
    assert "Dr T. Chikwanha" in html
    assert "Dr Dr" not in html

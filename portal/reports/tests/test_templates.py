import pytest
from django.core.exceptions import ValidationError

from portal.reports import services
from portal.reports.models import ReportTemplate
from portal.reports.tests.factories import completed_appointment, radiologist, signed_report

pytestmark = pytest.mark.django_db


def test_a_new_draft_starts_from_the_scan_types_default_template():
    appointment = completed_appointment()
    ReportTemplate.objects.create(scan_type=appointment.scan_type, name="Other", findings="Other text")
    ReportTemplate.objects.create(scan_type=appointment.scan_type, name="Normal", is_default=True,
                                  findings="Technique: ...\nFindings: normal.", impression="Normal study.")
    report = services.report_start(appointment=appointment, radiologist=radiologist())
    assert report.findings == "Technique: ...\nFindings: normal." and report.impression == "Normal study."


def test_the_radiologist_may_choose_another_template_of_the_scan_type():
    appointment = completed_appointment()
    ReportTemplate.objects.create(scan_type=appointment.scan_type, name="Normal", is_default=True, findings="N")
    chosen = ReportTemplate.objects.create(scan_type=appointment.scan_type, name="Trauma", findings="T")
    report = services.report_start(appointment=appointment, radiologist=radiologist(), template_id=chosen.pk)
    assert report.findings == "T"


def test_a_template_of_another_scan_type_is_refused_and_no_draft_is_made():
    appointment = completed_appointment()
    other = completed_appointment()
    foreign = ReportTemplate.objects.create(scan_type=other.scan_type, name="X", findings="X")
    if other.scan_type_id == appointment.scan_type_id:
        pytest.skip("factories gave the same scan type")
    with pytest.raises(ValidationError, match="not one for this scan type"):
        services.report_start(appointment=appointment, radiologist=radiologist(), template_id=foreign.pk)
    assert not appointment.reports.exists()


def test_the_signed_report_keeps_its_text_when_the_template_changes_later():
    appointment = completed_appointment()
    template = ReportTemplate.objects.create(scan_type=appointment.scan_type, name="N", is_default=True,
                                             findings="Old text")
    report = signed_report(appointment=appointment, findings="Old text", impression="Fine.")
    template.findings = "New text"
    template.save()
    report.refresh_from_db()
    assert report.findings == "Old text"


def test_the_demo_adds_a_default_template_with_pick_lists_once():
    import io

    from portal.catalogue.tests.factories import ScanTypeFactory
    from portal.reports.demo import seed_templates

    scan = ScanTypeFactory(code="xr-chest", name="Chest X-ray")
    assert seed_templates(stdout=io.StringIO()) == 1
    assert seed_templates(stdout=io.StringIO()) == 0
    [template] = ReportTemplate.objects.filter(scan_type=scan)
    assert template.is_default and template.pick_list_items[0]["heading"] == "Heart"
    report = services.report_start(appointment=completed_appointment(scan_type=scan), radiologist=radiologist())
    assert report.findings.startswith("TECHNIQUE: PA erect chest radiograph.")

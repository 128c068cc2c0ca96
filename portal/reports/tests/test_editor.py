"""The report editor: starting from a template (the picker), priors beside the draft, and signing
confirmed in the page (a dialog, or a confirmation page without JavaScript), never the browser's confirm()."""

from __future__ import annotations

import pytest
from django.urls import reverse

from portal.catalogue.models import Modality
from portal.catalogue.tests.factories import ScanTypeFactory
from portal.reports import selectors, services
from portal.reports.models import Report, ReportTemplate
from portal.reports.tests.factories import completed_appointment, radiologist, signed_report

pytestmark = pytest.mark.django_db


# --- The template picker -----------------------------------------------------------------------

def _templates(appointment):
    default = ReportTemplate.objects.create(scan_type=appointment.scan_type, name="Normal chest", is_default=True,
                                            findings="Lungs clear.", impression="Normal.",
                                            pick_lists="Heart: normal size | enlarged\nnot a pick list")
    trauma = ReportTemplate.objects.create(scan_type=appointment.scan_type, name="Trauma", findings="Rib fractures?")
    return default, trauma


def test_the_worklist_leads_to_the_picker_with_the_default_preselected(client):
    rad = radiologist()
    appointment = completed_appointment()
    default, _trauma = _templates(appointment)
    client.force_login(rad)
    worklist = client.get(reverse("reports:worklist")).content.decode()
    assert f'href="{reverse("reports:start", args=[appointment.pk])}"' in worklist
    page = client.get(reverse("reports:start", args=[appointment.pk])).content.decode()
    assert "Normal chest (default)" in page and "Trauma" in page and "A blank report" in page
    checked = [chunk for chunk in page.split("<input") if 'name="template"' in chunk and "checked" in chunk]
    assert len(checked) == 1 and f'value="{default.pk}"' in checked[0]


def test_the_radiologist_starts_from_the_chosen_template(client):
    rad = radiologist()
    appointment = completed_appointment()
    _default, trauma = _templates(appointment)
    client.force_login(rad)
    response = client.post(reverse("reports:start", args=[appointment.pk]), {"template": str(trauma.pk)})
    report = Report.objects.get(appointment=appointment)
    assert response["Location"] == reverse("reports:edit", args=[report.pk])
    assert report.findings == "Rib fractures?"


def test_a_blank_start_copies_no_template(client):
    appointment = completed_appointment()
    _templates(appointment)
    client.force_login(radiologist())
    client.post(reverse("reports:start", args=[appointment.pk]), {"template": "blank"})
    assert Report.objects.get(appointment=appointment).findings == ""


def test_another_scan_types_template_is_refused_with_a_message_and_no_draft(client):
    appointment = completed_appointment()
    _templates(appointment)
    foreign = ReportTemplate.objects.create(scan_type=ScanTypeFactory(), name="Foreign", findings="X")
    client.force_login(radiologist())
    response = client.post(reverse("reports:start", args=[appointment.pk]), {"template": str(foreign.pk)})
    assert response.status_code == 200
    assert "Choose one of this scan type&#x27;s templates" in response.content.decode()
    assert not Report.objects.filter(appointment=appointment).exists()


def test_the_editor_offers_the_templates_pick_lists(client):
    rad = radiologist()
    appointment = completed_appointment()
    _templates(appointment)
    report = services.report_start(appointment=appointment, radiologist=rad)
    client.force_login(rad)
    page = client.get(reverse("reports:edit", args=[report.pk])).content.decode()
    assert 'data-pick="Heart: enlarged"' in page and 'data-pick="Heart: normal size"' in page
    assert "not a pick list" not in page


def test_a_manager_edits_the_template_in_the_wagtail_admin_with_revisions_and_no_signed_report_changes(client):
    from wagtail.test.utils.form_data import querydict_from_html

    from portal.accounts.roles import Role
    from portal.accounts.tests.factories import enable_totp, user_with_role

    appointment = completed_appointment()
    default, _trauma = _templates(appointment)
    report = signed_report(appointment=appointment, findings="Lungs clear.", impression="Normal.")
    manager = user_with_role(Role.MANAGER)
    enable_totp(manager)
    client.force_login(manager)
    url = reverse("wagtailsnippets_reports_reporttemplate:edit", args=[default.pk])
    data = querydict_from_html(client.get(url).content.decode(), form_id="w-editor-form")
    data["findings"] = "Rewritten text."
    response = client.post(url, data)
    assert response.status_code == 302, response.content.decode()[:2000]
    default.refresh_from_db()
    assert default.findings == "Rewritten text." and default.revisions.count() == 1
    assert default.latest_revision.content["findings"] == "Rewritten text."
    report.refresh_from_db()
    assert report.findings == "Lungs clear."


# --- Priors beside the draft ---------------------------------------------------------------

def _scan(**kwargs):
    return ScanTypeFactory(**kwargs)


def test_priors_list_the_same_body_part_then_modality_then_the_rest_newest_first_and_never_another_patient():
    rad = radiologist()
    current = completed_appointment(scan_type=_scan(modality=Modality.CT, body_part="Chest"))
    patient = current.patient

    def prior(days, **scan):
        return signed_report(appointment=completed_appointment(patient=patient, hours_ago=24 * days,
                                                               scan_type=_scan(**scan)), by=rad)

    chest_old = prior(300, modality=Modality.XRAY, body_part="Chest")
    chest_new = prior(30, modality=Modality.XRAY, body_part="chest")
    ct_head = prior(10, modality=Modality.CT, body_part="Head")
    us_knee = prior(5, modality=Modality.ULTRASOUND, body_part="Knee")
    signed_report(appointment=completed_appointment(hours_ago=24 * 20, scan_type=current.scan_type), by=rad)
    priors = selectors.prior_reports(user=rad, appointment=current)
    assert [p.pk for p in priors] == [chest_new.pk, chest_old.pk, ct_head.pk, us_knee.pk]
    assert [p.match for p in priors] == ["same body part", "same body part", "same modality", ""]


def test_a_prior_is_shown_beside_the_draft_and_another_patients_report_is_404(client):
    rad = radiologist()
    current = completed_appointment()
    earlier = signed_report(appointment=completed_appointment(patient=current.patient, hours_ago=24 * 40),
                            findings="Old nodule 4 mm.", impression="Small nodule.", by=rad)
    stranger = signed_report(appointment=completed_appointment(hours_ago=24 * 40), findings="Not this patient.",
                             by=rad)
    draft = services.report_start(appointment=current, radiologist=rad)
    client.force_login(rad)
    editor = reverse("reports:edit", args=[draft.pk])
    page = client.get(editor).content.decode()
    assert f"?prior={earlier.pk}" in page and "Not this patient" not in page and f"?prior={stranger.pk}" not in page
    side = client.get(f"{editor}?prior={earlier.pk}").content.decode()
    assert "Old nodule 4 mm." in side and 'class="col-lg-6"' in side and 'name="findings"' in side
    assert client.get(f"{editor}?prior={stranger.pk}").status_code == 404
    assert client.get(f"{editor}?prior=abc").status_code == 404


# --- Signing, confirmed in the page -----------------------------------------------------------

def _draft(client):
    rad = radiologist()
    report = services.report_start(appointment=completed_appointment(), radiologist=rad)
    client.force_login(rad)
    return report


DATA = {"findings": "Lungs clear.", "impression": "Normal chest.", "recommendations": ""}


def test_the_sign_button_opens_a_page_dialog_not_the_browsers_confirm(client):
    report = _draft(client)
    page = client.get(reverse("reports:edit", args=[report.pk])).content.decode()
    assert "data-confirm" not in page and "confirm.js" not in page
    assert 'id="sign-dialog"' in page and 'value="sign_confirmed"' in page and 'form="report-form"' in page
    assert "js/report-editor.js" in page


def test_without_javascript_sign_leads_to_a_confirmation_page_and_signs_only_there(client):
    report = _draft(client)
    response = client.post(reverse("reports:edit", args=[report.pk]), {**DATA, "action": "sign"})
    assert response["Location"] == reverse("reports:sign", args=[report.pk])
    report.refresh_from_db()
    assert report.status == Report.Status.DRAFT and report.findings == "Lungs clear."  # saved, not signed
    page = client.get(response["Location"]).content.decode()
    assert "Sign and finalise version 1?" in page and "Lungs clear." in page and "Back to the draft" in page
    response = client.post(reverse("reports:sign", args=[report.pk]))
    assert response["Location"] == reverse("reports:view", args=[report.pk])
    report.refresh_from_db()
    assert report.status == Report.Status.SIGNED


def test_the_confirmation_page_of_a_signed_report_signs_nothing_again(client):
    report = _draft(client)
    client.post(reverse("reports:edit", args=[report.pk]), {**DATA, "action": "sign_confirmed"})
    report.refresh_from_db()
    signed_at = report.signed_at
    response = client.post(reverse("reports:sign", args=[report.pk]), follow=True)
    assert "locked" in response.content.decode()
    report.refresh_from_db()
    assert report.signed_at == signed_at and report.status == Report.Status.SIGNED


def test_an_incomplete_draft_is_not_offered_for_confirmation(client):
    report = _draft(client)
    response = client.post(reverse("reports:edit", args=[report.pk]),
                           {**DATA, "impression": "", "action": "sign"}, follow=True)
    assert "Findings and impression are needed" in response.content.decode()
    assert response.redirect_chain[-1][0] == reverse("reports:edit", args=[report.pk])
    report.refresh_from_db()
    assert report.status == Report.Status.DRAFT


def test_a_patient_may_not_open_or_post_the_sign_page(client):
    report = _draft(client)
    client.force_login(report.appointment.patient)
    assert client.get(reverse("reports:sign", args=[report.pk])).status_code == 403
    assert client.post(reverse("reports:sign", args=[report.pk])).status_code == 403
    report.refresh_from_db()
    assert report.status == Report.Status.DRAFT


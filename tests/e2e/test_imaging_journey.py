"""Imaging in the browser (issue 14), against a throwaway Orthanc holding the demo's synthetic
studies: the radiologist opens the study beside the report; the patient views a series frame by
frame. Each page is checked with axe and for console (CSP) errors, and at 390 px for sideways scroll."""

from __future__ import annotations

import re

import pytest

from tests.e2e.support import PATIENT, RADIOLOGIST, seed_demo, start_or_continue_report

pytestmark = pytest.mark.e2e


@pytest.fixture
def imaging_demo(settings, orthanc):
    settings.STAFF_MFA_REQUIRED = False
    seed_demo()  # the imaging part sends the synthetic studies to this Orthanc and links them


def _image_loaded(page, selector: str) -> bool:
    page.wait_for_function(f"() => {{ const i = document.querySelector('{selector}'); "
                           "return i && i.complete && i.naturalWidth > 0; }")
    return True


def _fits_390(page) -> None:
    page.set_viewport_size({"width": 390, "height": 844})
    width = page.evaluate("document.scrollingElement.scrollWidth")
    assert width <= 390, f"{page.url} scrolls sideways at 390 px ({width} px wide)"
    page.set_viewport_size({"width": 1280, "height": 900})


def test_radiologist_opens_the_study_beside_the_report(journey, imaging_demo):
    from portal.imaging.models import Study

    journey.sign_in(RADIOLOGIST)
    page = journey.visit("/reports/worklist/", "reporting worklist")
    with_images = Study.objects.filter(status=Study.Status.LINKED, appointment__reports__isnull=True).first()
    assert with_images is not None, "the demo should leave a scan with images on the reporting worklist"
    row = page.locator("tbody tr", has_text=with_images.appointment.patient.get_full_name()).filter(
        has_text=with_images.appointment.scan_type.name).first
    start_or_continue_report(page, row)
    journey.arrived("editor with images")
    panel = page.locator("#imaging-editor-panel")
    assert panel.get_by_role("heading", name="Images").count() == 1
    _image_loaded(page, "#imaging-editor-panel img")
    _fits_390(page)
    viewer = panel.get_by_role("link", name="Open the viewer")
    assert viewer.get_attribute("target") == "_blank"  # beside the report, in its own tab
    journey.visit(viewer.get_attribute("href"), "study viewer")
    assert page.locator(".imaging-thumb img").count() == len(with_images.series)
    journey.follow(page.locator(".imaging-thumb").first, "series viewer")
    _image_loaded(page, "[data-frame-image]")
    journey.assert_clean()


def test_patient_views_a_series_frame_by_frame(journey, imaging_demo):
    from portal.imaging.models import ImageAccess, Study
    from portal.reports.models import Report

    study = (Study.objects.filter(status=Study.Status.LINKED, appointment__patient__email=PATIENT,
                                  appointment__reports__status=Report.Status.SIGNED)
             .order_by("-instance_count").first())
    assert study is not None, "the demo should give the patient a reported scan with images"
    journey.sign_in(PATIENT)
    page = journey.visit(f"/appointments/{study.appointment_id}/", "appointment with images")
    journey.follow(page.get_by_role("link", name="View images").first, "images")
    _fits_390(page)
    journey.follow(page.locator(".imaging-thumb").first, "series")
    _image_loaded(page, "[data-frame-image]")
    first_src = page.locator("[data-frame-image]").get_attribute("src")
    page.get_by_role("link", name="Next image").click()
    page.wait_for_function("() => document.querySelector('[data-frame-label]').textContent.startsWith('Image 2 of')")
    assert page.locator("[data-frame-image]").get_attribute("src") != first_src
    _image_loaded(page, "[data-frame-image]")
    page.keyboard.press("ArrowLeft")  # the keyboard too (the demo's X-rays have two images a series)
    page.wait_for_function("() => document.querySelector('[data-frame-label]').textContent.startsWith('Image 1 of')")
    assert page.locator("[data-frame-image]").get_attribute("src") == first_src
    journey.snap("back to frame 1")
    journey.check_accessibility("back to frame 1")
    _fits_390(page)
    actions = set(ImageAccess.objects.filter(study=study, user__email=PATIENT).values_list("action", flat=True))
    assert {ImageAccess.Action.VIEW, ImageAccess.Action.SERIES} <= actions
    journey.assert_clean()


def test_a_shared_report_carries_its_images_to_a_fresh_browser(person, imaging_demo):
    from portal.imaging.models import Study
    from portal.reports.models import Report, ReportAccess

    study = (Study.objects.filter(status=Study.Status.LINKED, appointment__patient__email=PATIENT,
                                  appointment__reports__status=Report.Status.SIGNED)
             .order_by("-instance_count").first())
    assert study is not None, "the demo should give the patient a reported scan with images"
    report = Report.objects.get(appointment=study.appointment, status=Report.Status.SIGNED)
    patient = person("patient")
    page = patient.sign_in(PATIENT)
    page = patient.visit(f"/reports/{report.pk}/share/", "share page")
    page.get_by_label("Who is it for?").fill("Dr Second Opinion")
    page.get_by_label("Link lasts (days)").fill("3")
    patient.follow(page.get_by_role("button", name="Make the link"), "link made")
    link = page.get_by_label(re.compile("Copy it now")).input_value()

    doctor = person("doctor")  # a fresh browser: no account, only the link
    other = doctor.page
    other.goto(link)
    doctor.arrived("shared report with images")
    assert other.get_by_role("heading", name="Images").count() == 1
    assert other.locator(".imaging-thumb img").count() == len([s for s in study.series if s.get("instances")])
    _image_loaded(other, ".imaging-thumb img")
    doctor.follow(other.locator(".imaging-thumb").first, "shared series")
    _image_loaded(other, "[data-frame-image]")
    if other.get_by_role("link", name="Next image").get_attribute("class").find("disabled") < 0:
        other.get_by_role("link", name="Next image").click()
        other.wait_for_function(
            "() => document.querySelector('[data-frame-label]').textContent.startsWith('Image 2 of')")
        _image_loaded(other, "[data-frame-image]")
    assert other.get_by_role("link", name="Sign in").count() == 0  # no way into the portal
    _fits_390(other)

    opened = set(ReportAccess.objects.filter(share__report=report).values_list("action", flat=True))
    assert {ReportAccess.Action.VIEW, ReportAccess.Action.IMAGES} <= opened
    page = patient.visit(f"/reports/{report.pk}/view/", "report: who opened")
    assert "Viewed the images" in page.locator("#main").inner_text()
    patient.assert_clean()
    doctor.assert_clean()

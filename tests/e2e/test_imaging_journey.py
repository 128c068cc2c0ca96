"""Imaging in the browser (issue 14), against a throwaway Orthanc holding the demo's synthetic
studies: the radiologist opens the study beside the report; the patient views a series frame by
frame. Each page is checked with axe and for console (CSP) errors, and at 390 px for sideways scroll."""

from __future__ import annotations

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

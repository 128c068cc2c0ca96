from __future__ import annotations

import datetime as dt
import hashlib
import io

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from PIL import Image

from portal.accounts.roles import Role
from portal.accounts.tests.factories import enable_totp, user_with_role
from portal.core import signals
from portal.core.tests.factories import set_practice_details
from portal.reports import selectors, services
from portal.reports.models import Report, ReportAccess
from portal.reports.tests.factories import (
    PDF_BYTES,
    completed_appointment,
    radiologist,
    referral_for,
    signed_report,
    verified_doctor,
)

pytestmark = pytest.mark.django_db


def _staff(role):
    user = user_with_role(role)
    enable_totp(user)
    return user


def test_signing_stores_a_pdf_with_its_sha256_and_the_turnaround():
    report = signed_report()
    data = report.pdf.read()
    assert data.startswith(b"%PDF")
    assert hashlib.sha256(data).hexdigest() == report.pdf_sha256
    assert report.status == Report.Status.SIGNED and report.signed_at is not None
    assert 7000 <= report.turnaround_seconds <= 7300  # completed two hours before signing


def test_the_pdf_carries_the_letterhead_from_the_practice_details():
    from portal.reports.pdf import render_report_html

    set_practice_details(practice_name="Harare Imaging Centre", address="12 Borrowdale Road, Harare")

    html = render_report_html(signed_report())
    assert "Harare Imaging Centre" in html and "12 Borrowdale Road" in html


def test_a_report_edit_after_signing_is_refused(client):
    rad = radiologist()
    report = signed_report(by=rad)
    with pytest.raises(ValidationError, match="locked"):
        services.report_save_draft(report=report, radiologist=rad, findings="changed", impression="changed",
                                   recommendations="", critical_finding=False)
    client.force_login(rad)
    response = client.post(reverse("reports:edit", args=[report.pk]),
                           {"findings": "changed", "impression": "changed", "action": "save"}, follow=True)
    assert "locked" in response.content.decode()
    report.refresh_from_db()
    assert report.findings != "changed" and report.impression != "changed"


def test_signing_needs_findings_and_an_impression(client):
    rad = radiologist()
    report = services.report_start(appointment=completed_appointment(), radiologist=rad)
    client.force_login(rad)
    response = client.post(reverse("reports:edit", args=[report.pk]),
                           {"findings": "Something", "impression": "", "action": "sign"}, follow=True)
    assert "Findings and impression are needed" in response.content.decode()
    report.refresh_from_db()
    assert report.status == Report.Status.DRAFT and report.findings == "Something"


def test_the_editor_saves_a_draft_then_signs(client):
    rad = radiologist()
    report = services.report_start(appointment=completed_appointment(), radiologist=rad)
    client.force_login(rad)
    data = {"findings": "Small nodule.", "impression": "Indeterminate nodule.", "recommendations": "CT in 3 months",
            "critical_finding": "on"}
    client.post(reverse("reports:edit", args=[report.pk]), {**data, "action": "save"})
    report.refresh_from_db()
    assert report.status == Report.Status.DRAFT and report.critical_finding and report.findings == "Small nodule."
    response = client.post(reverse("reports:edit", args=[report.pk]), {**data, "action": "sign_confirmed"})
    assert response["Location"] == reverse("reports:view", args=[report.pk])
    report.refresh_from_db()
    assert report.status == Report.Status.SIGNED and report.pdf_sha256


def test_an_amendment_keeps_both_versions(client):
    rad = radiologist()
    original = signed_report(by=rad)
    client.force_login(rad)
    response = client.post(reverse("reports:amend", args=[original.pk]), {"reason": "Wrong side recorded."})
    amendment = Report.objects.get(supersedes=original)
    assert response["Location"] == reverse("reports:edit", args=[amendment.pk])
    assert amendment.version == 2 and amendment.status == Report.Status.DRAFT
    original.refresh_from_db()
    assert original.status == Report.Status.SIGNED  # still the report until the amendment is signed
    services.report_save_draft(report=amendment, radiologist=rad, findings="Left lung clear.",
                               impression="Normal.", recommendations="", critical_finding=False)
    services.report_sign(report=amendment, radiologist=rad)
    original.refresh_from_db()
    amendment.refresh_from_db()
    assert original.status == Report.Status.AMENDED and amendment.status == Report.Status.SIGNED
    assert original.pdf_sha256 and amendment.pdf_sha256 and original.pdf_sha256 != amendment.pdf_sha256
    assert original.pdf.read().startswith(b"%PDF") and amendment.pdf.read().startswith(b"%PDF")
    assert original.findings != amendment.findings
    assert amendment.turnaround_seconds is None  # an amendment is not a new turnaround
    with pytest.raises(ValidationError):
        services.report_amend(report=original, radiologist=rad, reason="again")


def test_an_amendment_needs_a_reason():
    rad = radiologist()
    with pytest.raises(ValidationError, match="reason"):
        services.report_amend(report=signed_report(by=rad), radiologist=rad, reason="  ")


def test_one_download_writes_exactly_one_access_row(client):
    report = signed_report()
    patient = report.appointment.patient
    client.force_login(patient)
    response = client.get(reverse("reports:download", args=[report.pk]), HTTP_USER_AGENT="TestBrowser/1.0",
                          REMOTE_ADDR="10.1.2.3")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("attachment;")
    assert response.content == report.pdf.read()
    rows = list(ReportAccess.objects.filter(report=report))
    assert len(rows) == 1
    assert (rows[0].user, rows[0].action, rows[0].ip_address, rows[0].user_agent) == (
        patient, "download", "10.1.2.3", "TestBrowser/1.0")


def test_one_view_writes_exactly_one_row_and_the_patient_sees_who_opened_the_report(client):
    doctor = verified_doctor(user__first_name="Farai", user__last_name="Chikwanha")
    report = signed_report()
    referral_for(appointment=report.appointment, doctor_user=doctor)
    client.force_login(doctor)
    assert client.get(reverse("reports:view", args=[report.pk])).status_code == 200
    assert ReportAccess.objects.filter(report=report, user=doctor, action="view").count() == 1
    client.force_login(report.appointment.patient)
    page = client.get(reverse("reports:view", args=[report.pk])).content.decode()
    assert "Who opened my report" in page
    assert "Farai Chikwanha" in page
    assert ReportAccess.objects.filter(report=report).count() == 2


def test_a_tampered_pdf_is_refused_and_logged_without_patient_data(client, caplog):
    report = signed_report()
    with open(report.pdf.path, "ab") as handle:
        handle.write(b"tampered")
    client.force_login(report.appointment.patient)
    response = client.get(reverse("reports:download", args=[report.pk]))
    assert response.status_code == 409
    assert response["Content-Type"].startswith("text/html")
    assert not ReportAccess.objects.filter(report=report, action="download").exists()
    messages = [r.getMessage() for r in caplog.records if r.name == "portal.reports.services"]
    assert any("integrity check failed" in m for m in messages)
    patient = report.appointment.patient
    assert not any(patient.email in m or patient.last_name in m for m in messages)


def test_a_missing_pdf_is_refused(client):
    report = signed_report()
    report.pdf.storage.delete(report.pdf.name)
    client.force_login(report.appointment.patient)
    assert client.get(reverse("reports:download", args=[report.pk])).status_code == 409


def test_patients_wait_for_the_release_delay_but_the_referring_doctor_does_not(
    client, settings, django_capture_on_commit_callbacks
):
    settings.REPORTS_PATIENT_RELEASE_DELAY_HOURS = 24
    appointment = completed_appointment()
    doctor = verified_doctor()
    referral_for(appointment=appointment, doctor_user=doctor)
    sent = []
    signals.report_released.connect(lambda sender, report, **kw: sent.append(report.pk), weak=False,
                                    dispatch_uid="test-release")
    try:
        report = signed_report(appointment=appointment)
        assert report.released_at >= timezone.now() + dt.timedelta(hours=23)
        assert sent == []
        client.force_login(appointment.patient)
        assert client.get(reverse("reports:view", args=[report.pk])).status_code == 404
        assert ReportAccess.objects.filter(report=report, action="denied").count() == 1
        client.force_login(doctor)
        assert client.get(reverse("reports:view", args=[report.pk])).status_code == 200
        # the scheduled task announces it once the time has come
        assert services.report_announce_release(report_id=report.pk) is False
        Report.objects.filter(pk=report.pk).update(released_at=timezone.now() - dt.timedelta(minutes=1))
        with django_capture_on_commit_callbacks(execute=True):
            assert services.report_announce_release(report_id=report.pk) is True
            assert services.report_announce_release(report_id=report.pk) is False
        assert sent == [report.pk]
        client.force_login(appointment.patient)
        assert client.get(reverse("reports:view", args=[report.pk])).status_code == 200
    finally:
        signals.report_released.disconnect(dispatch_uid="test-release")


def test_signing_with_no_delay_releases_at_once(django_capture_on_commit_callbacks):
    sent = []
    signals.report_released.connect(lambda sender, report, **kw: sent.append(report.pk), weak=False,
                                    dispatch_uid="test-release-now")
    try:
        with django_capture_on_commit_callbacks(execute=True):
            report = signed_report()
        assert sent == [report.pk]
    finally:
        signals.report_released.disconnect(dispatch_uid="test-release-now")


def test_staff_upload_of_an_external_pdf(client):
    manager = _staff(Role.MANAGER)
    rad = radiologist()
    draft = services.report_start(appointment=completed_appointment(), radiologist=rad)
    client.force_login(manager)
    response = client.post(reverse("reports:upload", args=[draft.pk]),
                           {"file": SimpleUploadedFile("external.pdf", PDF_BYTES, "application/pdf")})
    assert response["Location"] == reverse("reports:view", args=[draft.pk])
    draft.refresh_from_db()
    assert draft.status == Report.Status.SIGNED and draft.uploaded_pdf
    assert draft.pdf_sha256 == hashlib.sha256(PDF_BYTES).hexdigest()
    assert client.get(reverse("reports:download", args=[draft.pk])).content == PDF_BYTES


def test_a_non_pdf_upload_is_refused(client):
    rad = radiologist()
    draft = services.report_start(appointment=completed_appointment(), radiologist=rad)
    client.force_login(rad)
    png = io.BytesIO()
    Image.new("RGB", (5, 5)).save(png, format="PNG")
    for name, content in [("report.pdf", png.getvalue()), ("report.pdf", b"MZ\x90\x00 not a pdf at all")]:
        response = client.post(reverse("reports:upload", args=[draft.pk]),
                               {"file": SimpleUploadedFile(name, content, "application/pdf")})
        assert response.status_code == 200
        assert "Only PDF files are accepted" in response.content.decode()
    draft.refresh_from_db()
    assert draft.status == Report.Status.DRAFT and not draft.pdf


def test_a_report_cannot_start_before_the_scan_is_completed():
    from portal.booking.tests.factories import AppointmentFactory

    with pytest.raises(ValidationError, match="completed"):
        services.report_start(appointment=AppointmentFactory(), radiologist=radiologist())


def _worklist_queries(client, rad) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(reverse("reports:worklist"))
    assert response.status_code == 200
    return len(ctx.captured_queries)


def test_the_worklist_lists_waiting_scans_oldest_first_with_flags(client):
    from portal.catalogue.tests.factories import ScanTypeFactory

    rad = radiologist()
    mri = ScanTypeFactory(name="MRI knee", modality="mri", mri_safety_screening=True)
    newer = completed_appointment(hours_ago=1)
    older = completed_appointment(hours_ago=5, scan_type=mri, screening_answers={"pacemaker": "yes"})
    done = signed_report().appointment
    rows = list(selectors.worklist(user=rad))
    assert rows == [older, newer]
    assert done not in rows
    assert selectors.screening_flags(older) == [{"label": "MRI safety", "alert": False},
                                                {"label": "Yes: pacemaker", "alert": True}]
    client.force_login(rad)
    page = client.get(reverse("reports:worklist")).content.decode()
    assert page.index("MRI knee") < page.index(newer.scan_type.name)
    assert "Yes: pacemaker" in page


def test_the_worklist_query_count_does_not_grow_with_the_list(client):
    rad = radiologist()
    client.force_login(rad)
    for _ in range(2):
        completed_appointment()
    _worklist_queries(client, rad)  # warm the per-process caches (site, content types)
    few = _worklist_queries(client, rad)
    for _ in range(30):
        completed_appointment()
    services.report_start(appointment=completed_appointment(), radiologist=rad)  # one with a draft
    _worklist_queries(client, rad)  # the new rooms renew the page chrome's copy once (core.process_memo)
    assert _worklist_queries(client, rad) == few


def test_the_patient_lists_only_their_released_reports(client):
    report = signed_report()
    other = signed_report()
    client.force_login(report.appointment.patient)
    page = client.get(reverse("reports:mine")).content.decode()
    assert reverse("reports:view", args=[report.pk]) in page
    assert reverse("reports:view", args=[other.pk]) not in page


def _patient_list_queries(client) -> tuple[int, int, str]:
    with CaptureQueriesContext(connection) as page_ctx:
        page = client.get(reverse("reports:mine")).content.decode()
    with CaptureQueriesContext(connection) as panel_ctx:
        selectors.reports_for_patient(user=client.session_user)
    return len(page_ctx.captured_queries), len(panel_ctx.captured_queries), page


def test_the_patient_report_list_loads_what_it_shows_in_one_query(client):
    """The list reads only the columns it shows (issue 22): a field left out would cost one more query
    per row, so the count must not grow with the list."""
    report = signed_report()
    patient = report.appointment.patient
    client.force_login(patient)
    client.session_user = patient
    _patient_list_queries(client)  # warm the per-process page chrome
    few_page, few_rows, _ = _patient_list_queries(client)
    assert few_rows == 1
    for _ in range(3):
        signed_report(appointment=completed_appointment(patient=patient))
    _patient_list_queries(client)  # the new rooms renew the page chrome's copy once (core.process_memo)
    many_page, many_rows, page = _patient_list_queries(client)
    assert (many_page, many_rows) == (few_page, 1)
    assert page.count('class="btn btn-sm btn-outline-primary"') == 4
    assert report.appointment.scan_type.name in page
    rows = selectors.reports_for_patient(user=patient)
    with CaptureQueriesContext(connection) as ctx:  # what the API's summary and the panel read
        shown = [(r.appointment.scan_type.name, r.appointment.start, r.version, r.status, r.signed_at,
          r.radiologist.get_full_name(), r.supersedes_id) for r in rows]
    assert ctx.captured_queries == [] and len(shown) == 4


def test_a_delayed_release_is_scheduled_once_the_signature_commits(settings, django_capture_on_commit_callbacks):
    from django_q.models import Schedule

    settings.REPORTS_PATIENT_RELEASE_DELAY_HOURS = 12
    with django_capture_on_commit_callbacks(execute=True):
        report = signed_report()
    task = Schedule.objects.get(func="portal.reports.tasks.announce_release")
    assert task.args == f"({report.pk},)" and task.schedule_type == Schedule.ONCE
    assert abs((task.next_run - report.released_at).total_seconds()) < 1


def test_the_appointment_page_panels_link_the_report_and_the_feedback():
    from django.template.loader import render_to_string

    from portal.core.registry import appointment_panels_for

    report = signed_report()
    appointment = report.appointment
    html = "".join(render_to_string(p["template"], {"panel": p["context"]})
                   for p in appointment_panels_for(appointment.patient, appointment))
    assert reverse("reports:view", args=[report.pk]) in html
    assert reverse("feedback:give", args=[appointment.pk]) in html
    stranger = user_with_role(Role.PATIENT)
    assert appointment_panels_for(stranger, appointment) == []


def test_who_opened_my_report_names_staff_with_their_roles_in_a_constant_number_of_queries(client):
    report = signed_report()
    patient = report.appointment.patient
    client.force_login(patient)
    path = reverse("reports:view", args=[report.pk])
    rad = user_with_role(Role.RADIOLOGIST, first_name="Rufaro", last_name="Dube")
    ReportAccess.objects.create(report=report, user=rad, action=ReportAccess.Action.VIEW)
    client.get(path)
    with CaptureQueriesContext(connection) as few:
        page = client.get(path).content.decode()
    assert "Rufaro Dube <small class=\"text-body-secondary\">(Radiologist)</small>" in page
    assert "<td>You</td>" in page
    for number in range(15):
        other = user_with_role(Role.MANAGER, first_name=f"Staff{number}", last_name="Member")
        ReportAccess.objects.create(report=report, user=other, action=ReportAccess.Action.DOWNLOAD, via="api")
    client.get(path)  # the new staff's groups renew the per-process permissions once (accounts.backends)
    with CaptureQueriesContext(connection) as many:
        page = client.get(path).content.decode()
    assert len(many.captured_queries) == len(few.captured_queries)
    assert "Staff14 Member <small class=\"text-body-secondary\">(Manager)</small>" in page
    assert "Downloaded via the app (API)" in page


def test_who_opened_my_report_shows_the_latest_twenty_and_every_opening_on_request(client):
    report = signed_report()
    patient = report.appointment.patient
    ReportAccess.objects.bulk_create([ReportAccess(report=report, user=patient, action=ReportAccess.Action.VIEW)
                                      for _ in range(25)])
    client.force_login(patient)
    page = client.get(reverse("reports:view", args=[report.pk])).content.decode()
    assert page.count("<td>v1</td>") == 20
    assert 'href="?log=all#log-heading"' in page
    everything = client.get(reverse("reports:view", args=[report.pk]) + "?log=all").content.decode()
    assert everything.count("<td>v1</td>") == 27  # the 25, and this page's two openings
    assert "show every opening" not in everything
    few = signed_report()
    client.force_login(few.appointment.patient)
    assert "show every opening" not in client.get(reverse("reports:view", args=[few.pk])).content.decode()


def test_the_report_page_asks_for_a_rating_until_the_visit_is_rated(client):
    from portal.feedback.models import Feedback

    report = signed_report()
    client.force_login(report.appointment.patient)
    path = reverse("reports:view", args=[report.pk])
    page = client.get(path).content.decode()
    assert "How was your visit?" in page and "Thank you for rating your visit." not in page
    Feedback.objects.create(appointment=report.appointment, overall=4, waiting_time=3, staff=5, recommend=9)
    page = client.get(path).content.decode()
    assert "Thank you for rating your visit." in page and "How was your visit?" not in page


def test_the_access_log_lists_the_newest_openings_of_every_version_drafts_too():
    report = signed_report()
    patient = report.appointment.patient
    rad = radiologist()
    draft = services.report_amend(report=report, radiologist=rad, reason="Left and right were swapped")
    start = timezone.now() - dt.timedelta(days=3)
    rows = []
    for minute in range(30):  # alternating versions, out of insertion order in time
        at = start + dt.timedelta(minutes=(minute * 7) % 30)
        rows.append(ReportAccess(report=report if minute % 2 else draft, user=rad, action="view"))
        rows[-1].at = at
    ReportAccess.objects.bulk_create(rows)
    for row in rows:  # `at` is auto_now_add: each opening's time set after
        ReportAccess.objects.filter(pk=row.pk).update(at=row.at)
    expected = sorted(rows, key=lambda r: (r.at, r.pk), reverse=True)[:5]

    latest = list(selectors.report_access_log(user=patient, report=report, limit=5))

    assert [(r["at"], r["report__version"]) for r in latest] == [
        (r.at, 1 if r.report_id == report.pk else 2) for r in expected]
    assert {r["report__version"] for r in latest} == {1, 2}  # the draft's openings are in the log too
    every = list(selectors.report_access_log(user=patient, report=draft))
    assert len(every) == 30 and [r["at"] for r in every] == sorted((r.at for r in rows), reverse=True)


def test_the_report_page_lists_openings_of_a_draft_amendment_too(client):
    """The page reads the log by the versions its report query loaded: the draft among them, though the
    patient cannot read it."""
    report = signed_report()
    patient = report.appointment.patient
    rad = user_with_role(Role.RADIOLOGIST, first_name="Tendai", last_name="Moyo")
    draft = services.report_amend(report=report, radiologist=rad, reason="Left and right were swapped")
    ReportAccess.objects.create(report=draft, user=rad, action=ReportAccess.Action.VIEW)
    client.force_login(patient)
    page = client.get(reverse("reports:view", args=[report.pk])).content.decode()
    assert "Tendai Moyo" in page and "<td>v2</td>" in page


def test_the_report_page_reads_the_images_log_by_the_appointments_studies_and_skips_it_without_any(client):
    """A study of the appointment in any state keeps its openings in the patient's log (a study later
    sent for reconciliation still has its viewers); without a study there is nothing to read."""
    from portal.imaging.models import ImageAccess, Study

    report = signed_report()
    patient = report.appointment.patient
    client.force_login(patient)
    path = reverse("reports:view", args=[report.pk])
    client.get(path)
    with CaptureQueriesContext(connection) as without:
        client.get(path)
    assert not any("imaging_imageaccess" in q["sql"] and q["sql"].lstrip().upper().startswith("SELECT")
                   for q in without.captured_queries)

    study = Study.objects.create(orthanc_id="o-1", study_instance_uid=report.appointment.study_instance_uid,
                                 appointment=report.appointment, status=Study.Status.RECONCILE)
    rad = user_with_role(Role.RADIOLOGIST, first_name="Nyasha", last_name="Gumbo")
    ImageAccess.objects.create(study=study, user=rad, action=ImageAccess.Action.VIEW)
    page = client.get(path).content.decode()
    assert "Nyasha Gumbo" in page

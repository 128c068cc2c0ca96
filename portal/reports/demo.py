"""Demo: referrals from doctor@demo.test for patient@demo.test's scans, and signed reports (with
PDFs) for completed demo appointments. Leaves the two most recent completed scans unreported so the
radiologist's worklist has something on it. Idempotent."""

from __future__ import annotations

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from weasyprint import HTML

from portal.accounts.models import User
from portal.booking.models import Appointment
from portal.referrals import doctor_services
from portal.referrals.models import Referral
from portal.reports import services
from portal.reports.models import Report

LEAVE_ON_WORKLIST = 2

TEXTS = {
    "xray": ("The lungs are clear. No focal consolidation, pleural effusion or pneumothorax. The cardiomediastinal "
             "silhouette is within normal limits. The bony thorax is intact.",
             "Normal chest radiograph.", ""),
    "us": ("The liver is normal in size and echotexture with no focal lesion. The gallbladder is thin-walled with no "
           "calculi. The common bile duct measures 4 mm. Both kidneys are normal in size with no hydronephrosis.",
           "Normal abdominal ultrasound.", ""),
    "ct": ("No acute intracranial haemorrhage, mass effect or midline shift. Grey-white matter differentiation is "
           "preserved. The ventricles and sulci are age-appropriate. The visualised paranasal sinuses are clear.",
           "No acute intracranial abnormality.", "Clinical correlation. MRI if symptoms persist."),
    "mri": ("There is a complex tear of the posterior horn of the medial meniscus extending to the inferior "
            "articular surface. The cruciate and collateral ligaments are intact. Small joint effusion.",
            "Complex tear of the posterior horn of the medial meniscus.", "Orthopaedic referral."),
}
DEFAULT_TEXT = ("The examination is technically adequate. No abnormality is demonstrated.", "Normal study.", "")


def _letter_pdf(doctor: User, patient: User) -> bytes:
    html = (f"<h1>Referral</h1><p>Dear colleague,</p><p>Please see {patient.get_full_name()} for imaging.</p>"
            f"<p>Dr {doctor.get_full_name()}</p>")
    return HTML(string=html).write_pdf()


@transaction.atomic
def _demo_referrals(doctor: User, patient: User, stdout) -> int:
    made = 0
    for appointment in Appointment.objects.filter(patient=patient).order_by("start"):
        if Referral.objects.filter(appointment=appointment, referring_doctor__user=doctor).exists():
            continue
        referral, _ = doctor_services.doctor_referral_create(
            doctor_user=doctor, first_name=patient.first_name, last_name=patient.last_name,
            date_of_birth=patient.date_of_birth, scan_type=appointment.scan_type,
            clinical_notes="Please assess; symptoms for three weeks.",
            uploaded_file=SimpleUploadedFile("referral.pdf", _letter_pdf(doctor, patient), "application/pdf"),
        )
        # The demo links the letter to the visit it led to (reception does this in the portal).
        Referral.objects.filter(pk=referral.pk).update(appointment=appointment, status=Referral.Status.BOOKED)
        made += 1
    other = User.objects.filter(email="patient2@demo.test").first()
    if other is not None and other.date_of_birth and not Referral.objects.filter(
        patient=other, referring_doctor__user=doctor, appointment__isnull=True
    ).exists():
        doctor_services.doctor_referral_create(
            doctor_user=doctor, first_name=other.first_name, last_name=other.last_name,
            date_of_birth=other.date_of_birth, scan_type=None, clinical_notes="Ultrasound abdomen, please.",
            uploaded_file=SimpleUploadedFile("referral.pdf", _letter_pdf(doctor, other), "application/pdf"),
        )
        made += 1
    return made


def seed(*, stdout, style, options) -> None:
    radiologist = User.objects.filter(email="radiologist@demo.test").first()
    doctor = User.objects.filter(email="doctor@demo.test").first()
    patient = User.objects.filter(email="patient@demo.test").first()
    if radiologist is None:
        stdout.write(style.WARNING("  reports: no demo radiologist; skipped"))
        return
    if doctor is not None and patient is not None and patient.date_of_birth:
        stdout.write(f"  referrals from doctor@demo.test: {_demo_referrals(doctor, patient, stdout)} created")
    completed = list(
        Appointment.objects.filter(status=Appointment.Status.COMPLETED, completed_at__isnull=False)
        .exclude(reports__isnull=False).select_related("scan_type").order_by("completed_at")
    )
    if not completed and not Report.objects.exists():
        stdout.write(style.WARNING("  reports: no completed appointments yet (the booking demo adds them); skipped"))
        return
    to_sign = completed[:-LEAVE_ON_WORKLIST] if len(completed) > LEAVE_ON_WORKLIST else []
    signed = 0
    for appointment in to_sign:
        findings, impression, recommendations = TEXTS.get(appointment.scan_type.modality, DEFAULT_TEXT)
        with transaction.atomic():
            report = services.report_start(appointment=appointment, radiologist=radiologist)
            report = services.report_save_draft(report=report, radiologist=radiologist, findings=findings,
                                                impression=impression, recommendations=recommendations,
                                                critical_finding=False)
            services.report_sign(report=report, radiologist=radiologist)
        signed += 1
        if signed % 50 == 0:
            stdout.write(f"    {signed} reports signed...")
    stdout.write(f"  reports: {signed} signed with PDFs, {len(completed) - signed} left on the worklist")

"""Demo: referrals from doctor@demo.test for patient@demo.test's scans, and (in the second pass,
after the practice details exist, for the letterhead) signed reports with PDFs for completed demo
appointments, each with text for its own scan. Leaves the two most recent completed scans
unreported so the radiologist's worklist has something on it, but always signs one of
patient@demo.test's. Idempotent."""

from __future__ import annotations

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from weasyprint import HTML

from portal.accounts.models import User
from portal.booking.models import Appointment
from portal.referrals import doctor_services, invitations
from portal.referrals.models import Referral
from portal.reports import services
from portal.reports.models import Report

LEAVE_ON_WORKLIST = 2
MAIN_PATIENT = "patient@demo.test"

# Findings, impression, recommendations for each demo scan type: a report must match its scan.
TEXTS = {
    "xr-chest": ("The lungs are clear. No focal consolidation, pleural effusion or pneumothorax. The "
                 "cardiomediastinal silhouette is within normal limits. The bony thorax is intact.",
                 "Normal chest radiograph.", ""),
    "xr-spine-lumbar": ("Five lumbar-type vertebrae with normal alignment. Mild loss of disc height at L4/5 with small "
                        "anterior osteophytes. No fracture or spondylolisthesis. The sacroiliac joints are normal.",
                        "Mild degenerative change at L4/5. No fracture.", "Physiotherapy if symptoms persist."),
    "xr-limb": ("No fracture or dislocation. The joint spaces are preserved. The soft tissues are unremarkable.",
                "No bony injury.", ""),
    "us-abdomen": ("The liver is normal in size and echotexture with no focal lesion. The gallbladder is thin-walled "
                   "with no calculi. The common bile duct measures 4 mm. Both kidneys are normal in size with no "
                   "hydronephrosis. The pancreas and spleen are unremarkable.",
                   "Normal abdominal ultrasound.", ""),
    "us-pelvis": ("The uterus is anteverted and normal in size with an endometrial thickness of 7 mm. Both ovaries "
                  "are normal in size with physiological follicles. No free fluid in the pouch of Douglas.",
                  "Normal pelvic ultrasound.", ""),
    "us-obstetric": ("A single live intrauterine pregnancy. Fetal heart rate 148 beats per minute. Crown-rump length "
                     "consistent with 12 weeks 3 days. The placenta is posterior and clear of the cervix.",
                     "Single live intrauterine pregnancy of 12 weeks 3 days.", "Routine anomaly scan at 20 weeks."),
    "us-breast": ("In the right breast at 10 o'clock, 3 cm from the nipple, a 9 mm oval, circumscribed, "
                  "parallel hypoechoic mass. No suspicious axillary lymph nodes. The left breast is normal.",
                  "Probable fibroadenoma in the right breast (BI-RADS 3).", "Follow-up ultrasound in 6 months."),
    "ct-brain": ("No acute intracranial haemorrhage, mass effect or midline shift. Grey-white matter "
                 "differentiation is preserved. The ventricles and sulci are age-appropriate. The visualised "
                 "paranasal sinuses are clear.",
                 "No acute intracranial abnormality.", "Clinical correlation. MRI if symptoms persist."),
    "ct-chest-contrast": ("No pulmonary embolus. No mediastinal or hilar lymphadenopathy. A 4 mm solid nodule in the "
                          "right lower lobe. No pleural or pericardial effusion. The upper abdomen is unremarkable.",
                          "No pulmonary embolus. Incidental 4 mm right lower lobe nodule.",
                          "No routine follow-up needed for a low-risk patient (Fleischner 2017)."),
    "ct-abdomen-pelvis": ("The liver, spleen, pancreas and adrenal glands are normal. The appendix is thickened to "
                          "11 mm with surrounding fat stranding; no collection or free gas. The kidneys enhance "
                          "symmetrically with no calculi or hydronephrosis. The bladder and pelvic organs are normal.",
                          "Acute uncomplicated appendicitis.", "Surgical review today."),
    "mri-brain": ("No intracranial mass, haemorrhage or restricted diffusion. A few small foci of T2 hyperintensity "
                  "in the frontal white matter, within normal limits for age. The ventricles are normal.",
                  "No significant intracranial abnormality.", ""),
    "mri-knee": ("There is a complex tear of the posterior horn of the medial meniscus extending to the inferior "
                 "articular surface. The cruciate and collateral ligaments are intact. Small joint effusion.",
                 "Complex tear of the posterior horn of the medial meniscus.", "Orthopaedic referral."),
    "mri-lumbar-spine": ("Normal alignment. At L4/5 a broad-based disc protrusion narrows the left lateral recess "
                         "and contacts the traversing left L5 nerve root. The conus ends normally at L1.",
                         "L4/5 disc protrusion contacting the left L5 nerve root.",
                         "Correlate with left L5 symptoms; spinal surgical opinion if they persist."),
    "mammo-screening": ("The breasts are heterogeneously dense (ACR c). No mass, architectural distortion or "
                        "suspicious calcification in either breast.",
                        "No mammographic evidence of malignancy (BI-RADS 1).", "Routine screening in two years."),
    "mammo-diagnostic": ("At the site of the palpable lump in the left upper outer quadrant there is no mass or "
                         "calcification. Scattered fibroglandular density (ACR b).",
                         "No mammographic abnormality at the site of concern (BI-RADS 1).",
                         "Targeted ultrasound of the palpable area."),
    "dexa-hip-spine": ("Lumbar spine L1-L4 T-score -1.8. Left total hip T-score -1.4; femoral neck T-score -1.6.",
                       "Osteopenia (low bone mass).",
                       "Calcium, vitamin D and weight-bearing exercise; repeat in 2 years."),
    "fluoro-barium-swallow": ("Normal swallowing mechanism. The oesophagus distends normally with no stricture or "
                              "filling defect. A small sliding hiatus hernia with free reflux to the mid oesophagus.",
                              "Small sliding hiatus hernia with gastro-oesophageal reflux.", ""),
    "fluoro-hsg": ("The uterine cavity is normal in outline. Both fallopian tubes fill and spill freely into the "
                   "peritoneal cavity.", "Bilateral tubal patency. Normal uterine cavity.", ""),
}


# Report templates (managers edit them in the CMS): the default per scan type, with headings and pick lists.
TEMPLATES = {
    "xr-chest": ("Normal chest radiograph",
                 "TECHNIQUE: PA erect chest radiograph.\nLUNGS: Clear. No consolidation, effusion or pneumothorax.\n"
                 "HEART AND MEDIASTINUM: Within normal limits.\nBONES: Intact.",
                 "Normal chest radiograph.",
                 "Heart: normal size | enlarged (cardiothoracic ratio above 0.5)\n"
                 "Lungs: clear | consolidation | pleural effusion | pneumothorax"),
    "ct-brain": ("Normal CT brain",
                 "TECHNIQUE: Non-contrast CT of the brain.\nPARENCHYMA: No haemorrhage, mass effect or midline shift. "
                 "Grey-white matter differentiation preserved.\nVENTRICLES: Age-appropriate.\n"
                 "SINUSES AND MASTOIDS: Clear.",
                 "No acute intracranial abnormality.",
                 "Haemorrhage: none | subdural | extradural | subarachnoid | intraparenchymal\n"
                 "Midline shift: none | less than 5 mm | 5 mm or more"),
    "us-abdomen": ("Normal abdominal ultrasound",
                   "LIVER: Normal size and echotexture, no focal lesion.\nGALLBLADDER: Thin-walled, no calculi.\n"
                   "BILE DUCTS: Not dilated.\nKIDNEYS: Normal size, no hydronephrosis.\nPANCREAS AND SPLEEN: Normal.",
                   "Normal abdominal ultrasound.",
                   "Liver: normal | enlarged | fatty infiltration\nGallbladder: normal | calculi | wall thickening"),
}


def seed_templates(*, stdout) -> int:
    """One default report template for each demo scan type in TEMPLATES (idempotent)."""
    from portal.catalogue.models import ScanType
    from portal.reports.models import ReportTemplate

    made = 0
    for scan in ScanType.objects.filter(code__in=TEMPLATES):
        name, findings, impression, pick_lists = TEMPLATES[scan.code]
        _, created = ReportTemplate.objects.get_or_create(
            scan_type=scan, name=name,
            defaults={"findings": findings, "impression": impression, "pick_lists": pick_lists, "is_default": True},
        )
        made += created
    stdout.write(f"  report templates: {made} created")
    return made


def report_text(scan_type) -> tuple[str, str, str]:
    """The demo's findings, impression and recommendations for this scan (never another scan's)."""
    if scan_type.code in TEXTS:
        return TEXTS[scan_type.code]
    return (f"{scan_type.name}: the examination is technically adequate. No abnormality is demonstrated.",
            "Normal study.", "")


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
        referral = doctor_services.doctor_referral_create(
            doctor_user=doctor, first_name=patient.first_name, last_name=patient.last_name,
            date_of_birth=patient.date_of_birth, email=patient.email, scan_type=appointment.scan_type,
            clinical_notes="Please assess; symptoms for three weeks.",
            uploaded_file=SimpleUploadedFile("referral.pdf", _letter_pdf(doctor, patient), "application/pdf"),
        )
        invitations.referral_invitation_accept(invitation=referral.invitation, user=patient)  # as the patient would
        # The demo links the letter to the visit it led to (reception does this in the portal).
        Referral.objects.filter(pk=referral.pk).update(appointment=appointment, status=Referral.Status.BOOKED)
        made += 1
    other = User.objects.filter(email="patient2@demo.test").first()
    if other is not None and other.date_of_birth and not Referral.objects.filter(
        patient=other, referring_doctor__user=doctor, appointment__isnull=True
    ).exists():
        referral = doctor_services.doctor_referral_create(
            doctor_user=doctor, first_name=other.first_name, last_name=other.last_name,
            date_of_birth=other.date_of_birth, email=other.email, scan_type=None,
            clinical_notes="Ultrasound abdomen, please.",
            uploaded_file=SimpleUploadedFile("referral.pdf", _letter_pdf(doctor, other), "application/pdf"),
        )
        invitations.referral_invitation_accept(invitation=referral.invitation, user=other)
        made += 1
    return made


def seed(*, stdout, style, options) -> None:
    seed_templates(stdout=stdout)
    doctor = User.objects.filter(email="doctor@demo.test").first()
    patient = User.objects.filter(email="patient@demo.test").first()
    if doctor is not None and patient is not None and patient.date_of_birth:
        stdout.write(f"  referrals from doctor@demo.test: {_demo_referrals(doctor, patient, stdout)} created")


def _to_sign(completed: list[Appointment]) -> list[Appointment]:
    """All but the LEAVE_ON_WORKLIST most recent (so the radiologist has work), and always one of
    the main demo patient's, so patient@demo.test has a report to read and download."""
    leave = completed[-LEAVE_ON_WORKLIST:] if len(completed) > LEAVE_ON_WORKLIST else list(completed)
    to_sign = [a for a in completed if a not in leave]
    main_has_report = Report.objects.filter(appointment__patient__email=MAIN_PATIENT,
                                            status__in=[Report.Status.SIGNED, Report.Status.AMENDED]).exists()
    if not main_has_report and not any(a.patient.email == MAIN_PATIENT for a in to_sign):
        mains = [a for a in leave if a.patient.email == MAIN_PATIENT]
        if mains:
            to_sign.append(mains[0])
    return sorted(to_sign, key=lambda a: a.completed_at)


def seed_after(*, stdout, style, options) -> None:
    """Signed reports with PDFs, once the practice details (the letterhead) exist."""
    radiologist = User.objects.filter(email="radiologist@demo.test").first()
    if radiologist is None:
        stdout.write(style.WARNING("  reports: no demo radiologist; skipped"))
        return
    completed = list(
        Appointment.objects.filter(status=Appointment.Status.COMPLETED, completed_at__isnull=False)
        .exclude(reports__isnull=False).select_related("scan_type", "patient").order_by("completed_at")
    )
    if not completed and not Report.objects.exists():
        stdout.write(style.WARNING("  reports: no completed appointments yet (the booking demo adds them); skipped"))
        return
    to_sign = _to_sign(completed)
    signed = 0
    for appointment in to_sign:
        findings, impression, recommendations = report_text(appointment.scan_type)
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

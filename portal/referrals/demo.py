"""Demo referral letters for the demo appointments of scans that need one. Idempotent."""

from __future__ import annotations

from django.core.files.uploadedfile import SimpleUploadedFile

from portal.accounts.models import ReferringDoctor, User
from portal.booking.models import Appointment
from portal.core.simplepdf import simple_pdf
from portal.referrals.models import Referral
from portal.referrals.services import referral_set_diagnosis, referral_upload

DEMO_LETTER = simple_pdf("Referral letter - demo. Please perform the requested scan.")
# The diagnosis (ICD-10) a referring doctor would write for each demo scan, for the claim lines.
DIAGNOSIS_BY_BODY_PART = {"Head": ["R51"], "Chest": ["R05"], "Abdomen and pelvis": ["R10.4"], "Knee": ["M25.5"],
                          "Lower back": ["M54.5"], "Breasts": ["N63"]}


def seed(*, stdout, style, options) -> None:
    doctor = ReferringDoctor.objects.filter(user__email="doctor@demo.test").first()
    reception = User.objects.filter(email="reception@demo.test").first()
    appointments = Appointment.objects.filter(
        patient__email__in=["patient@demo.test", "patient2@demo.test"],
        scan_type__needs_referral=True,
        referrals__isnull=True,
    ).select_related("patient", "scan_type")
    made = 0
    for appointment in appointments:
        referral = referral_upload(
            patient=appointment.patient,
            uploaded_file=SimpleUploadedFile("referral-letter.pdf", DEMO_LETTER),
            uploaded_by=appointment.patient,
            appointment=appointment,
            referring_doctor=doctor,
            doctor_name=str(doctor.user.get_full_name()) if doctor else "",
        )
        codes = DIAGNOSIS_BY_BODY_PART.get(appointment.scan_type.body_part, [])
        if codes and reception is not None:  # as reception reads them off the letter
            referral_set_diagnosis(referral=referral, codes=codes, by=reception)
        made += 1
    stdout.write(f"  referral letters: {made} added, {Referral.objects.count() - made} already there")

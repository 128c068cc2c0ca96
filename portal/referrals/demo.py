"""Demo referral letters for the demo appointments of scans that need one. Idempotent."""

from __future__ import annotations

from django.core.files.uploadedfile import SimpleUploadedFile

from portal.accounts.models import ReferringDoctor
from portal.booking.models import Appointment
from portal.core.simplepdf import simple_pdf
from portal.referrals.models import Referral
from portal.referrals.services import referral_upload

DEMO_LETTER = simple_pdf("Referral letter - demo. Please perform the requested scan.")


def seed(*, stdout, style, options) -> None:
    doctor = ReferringDoctor.objects.filter(user__email="doctor@demo.test").first()
    appointments = Appointment.objects.filter(
        patient__email__in=["patient@demo.test", "patient2@demo.test"],
        scan_type__needs_referral=True,
        referrals__isnull=True,
    ).select_related("patient", "scan_type")
    made = 0
    for appointment in appointments:
        referral_upload(
            patient=appointment.patient,
            uploaded_file=SimpleUploadedFile("referral-letter.pdf", DEMO_LETTER),
            uploaded_by=appointment.patient,
            appointment=appointment,
            referring_doctor=doctor,
            doctor_name=str(doctor.user.get_full_name()) if doctor else "",
        )
        made += 1
    stdout.write(f"  referral letters: {made} added, {Referral.objects.count() - made} already there")

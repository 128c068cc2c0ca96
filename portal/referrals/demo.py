"""Demo referral letters for the demo appointments of scans that need one. Idempotent."""

from __future__ import annotations

from django.core.files.uploadedfile import SimpleUploadedFile

from portal.accounts.models import ReferringDoctor
from portal.booking.models import Appointment
from portal.referrals.models import Referral
from portal.referrals.services import referral_upload

DEMO_LETTER = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
    b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]/Contents 4 0 R/Resources<</Font<</F1 5 0 R>>>>>>endobj\n"
    b"4 0 obj<</Length 88>>stream\n"
    b"BT /F1 14 Tf 72 760 Td (Referral letter - demo. Please perform the requested scan.) Tj ET\n"
    b"endstream endobj\n5 0 obj<</Type/Font/Subtype/Type1/BaseFont/Helvetica>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
)


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

"""Test helpers for reports, feedback and the doctor's referrals."""

from __future__ import annotations

import datetime as dt

from django.core.files.base import ContentFile
from django.utils import timezone

from portal.accounts.models import User
from portal.accounts.roles import Role
from portal.accounts.tests.factories import ReferringDoctorFactory, UserFactory, enable_totp, user_with_role
from portal.booking.models import Appointment
from portal.booking.tests.factories import AppointmentFactory
from portal.core.simplepdf import simple_pdf
from portal.referrals.models import Referral
from portal.reports import services
from portal.reports.models import Report

PDF_BYTES = simple_pdf()


def completed_appointment(*, patient: User | None = None, hours_ago: float = 2, **kwargs) -> Appointment:
    now = timezone.now()
    extra = {"patient": patient} if patient is not None else {}
    return AppointmentFactory(
        status=Appointment.Status.COMPLETED, start=now - dt.timedelta(hours=hours_ago + 1),
        checked_in_at=now - dt.timedelta(hours=hours_ago + 1), completed_at=now - dt.timedelta(hours=hours_ago),
        **extra, **kwargs,
    )


def verified_doctor(**kwargs) -> User:
    doctor = ReferringDoctorFactory(verified_at=timezone.now(), **kwargs)
    return doctor.user


def unverified_doctor() -> User:
    return ReferringDoctorFactory(verified_at=None).user


def referral_for(*, appointment: Appointment, doctor_user: User) -> Referral:
    referral = Referral(
        patient=appointment.patient, referring_doctor=doctor_user.doctor_profile, appointment=appointment,
        doctor_name=doctor_user.get_full_name(), status=Referral.Status.BOOKED, content_type="application/pdf",
        size=len(PDF_BYTES), sha256="0" * 64, uploaded_by=doctor_user,
    )
    referral.file.save("letter.pdf", ContentFile(PDF_BYTES), save=False)
    referral.save()
    return referral


def radiologist() -> User:
    user = user_with_role(Role.RADIOLOGIST)
    enable_totp(user)
    return user


def signed_report(*, appointment: Appointment | None = None, by: User | None = None, **content) -> Report:
    appointment = appointment or completed_appointment()
    by = by or radiologist()
    report = services.report_start(appointment=appointment, radiologist=by)
    report = services.report_save_draft(
        report=report, radiologist=by,
        findings=content.get("findings", "The lungs are clear. No pleural effusion."),
        impression=content.get("impression", "Normal chest radiograph."),
        recommendations=content.get("recommendations", ""), critical_finding=content.get("critical_finding", False),
    )
    return services.report_sign(report=report, radiologist=by)


__all__ = ["UserFactory", "enable_totp", "user_with_role"]

"""django-q2 tasks: thin, take ids, call a service, safe to run twice."""

from __future__ import annotations

import datetime as dt

from portal.booking.models import Appointment
from portal.core.enqueue import survive_db_outage
from portal.notifications import sending, services


@survive_db_outage
def send_deliveries(delivery_ids: list[int]) -> int:
    return sending.deliveries_send(delivery_ids=delivery_ids)


@survive_db_outage
def send_due_reminders() -> dict[str, int]:
    """The scheduled job (every minute): plan due reminders, then queue what is due."""
    planned = services.reminders_plan_due()
    queued = services.deliveries_dispatch_due()
    return {"planned": planned, "queued": queued}


@survive_db_outage
def notify_appointment(appointment_id: int, kind: str) -> int:
    appointment = Appointment.objects.select_related("patient").filter(pk=appointment_id).first()
    if appointment is None:
        return 0
    return len(services.appointment_notify(appointment=appointment, kind=kind))


@survive_db_outage
def notify_rescheduled(appointment_id: int, old_start: str) -> int:
    appointment = Appointment.objects.select_related("patient").filter(pk=appointment_id).first()
    if appointment is None:
        return 0
    return len(
        services.appointment_notify_rescheduled(appointment=appointment, old_start=dt.datetime.fromisoformat(old_start))
    )


@survive_db_outage
def notify_report_ready(report_id: int) -> int:
    from portal.reports.models import Report

    report = Report.objects.select_related("appointment__patient").filter(pk=report_id).first()
    return len(services.report_notify_ready(report=report)) if report else 0


@survive_db_outage
def notify_referrers_report_signed(report_id: int) -> int:
    from portal.reports.models import Report

    report = Report.objects.select_related("appointment").filter(pk=report_id).first()
    return len(services.report_notify_referrers(report=report)) if report else 0


@survive_db_outage
def notify_payment_receipt(payment_id: int) -> int:
    from portal.payments.models import Payment

    payment = Payment.objects.select_related("appointment__patient").filter(pk=payment_id).first()
    return len(services.payment_notify_receipt(payment=payment)) if payment else 0


@survive_db_outage
def notify_referral_received(referral_id: int) -> int:
    from portal.referrals.models import Referral

    referral = Referral.objects.select_related("referring_doctor__user").filter(pk=referral_id).first()
    return len(services.referral_notify_received(referral=referral)) if referral else 0


@survive_db_outage
def notify_waitlist_offer(offer_id: int, kind: str) -> int:
    from portal.waitlist.models import WaitlistOffer

    offer = WaitlistOffer.objects.select_related("entry__patient", "entry__scan_type").filter(pk=offer_id).first()
    if offer is None:
        return 0
    return len(services.waitlist_notify_offer(offer=offer, kind=kind))


@survive_db_outage
def notify_critical_finding(report_id: int) -> int:
    from portal.reports.models import Report

    report = Report.objects.select_related("appointment").filter(pk=report_id).first()
    return len(services.report_notify_critical(report=report)) if report else 0

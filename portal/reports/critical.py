"""Critical findings: the urgent notice to the referring doctor, the doctor's acknowledgement, and the
escalation to the practice's duty phones when nobody acknowledged in time (exactly once).

At signing (`critical_notice_open`, from the sign service) a notice is opened and report_signed goes out;
notifications sends the doctor the urgent email and SMS (its delivery log). The every-minute q2 job
(`tasks.escalate_critical_findings`) texts each notice still unacknowledged at `ack_due_at` to the duty
phones, once: a conditional UPDATE claims it before anything is sent, and the result is kept on the notice.
"""

from __future__ import annotations

import datetime as dt
import logging

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from portal.accounts.models import User
from portal.core import signals
from portal.reports.models import CriticalNotice, Report
from portal.reports.rules import doctor_referred

logger = logging.getLogger(__name__)

ESCALATION_SCHEDULE_NAME = "reports: escalate unacknowledged critical findings"
ESCALATION_TASK = "portal.reports.tasks.escalate_critical_findings"


def ack_window() -> dt.timedelta:
    return dt.timedelta(minutes=max(0, int(getattr(settings, "CRITICAL_ACK_MINUTES", 60))))


def duty_phones() -> list[str]:
    return [phone for phone in getattr(settings, "CRITICAL_DUTY_PHONES", []) if phone]


def _has_portal_doctor(report: Report) -> bool:
    from portal.referrals.models import Referral

    return Referral.objects.filter(appointment_id=report.appointment_id, referring_doctor__verified_at__isnull=False,
                                   referring_doctor__user__is_active=True).exists()


def critical_notice_open(*, report: Report) -> CriticalNotice | None:
    """Open the notice of a just-signed critical report (inside the signing transaction).

    The doctor has CRITICAL_ACK_MINUTES to acknowledge. With no verified referring doctor on the portal
    nobody could acknowledge, so the duty phones are told at once (the next run of the job)."""
    if not report.critical_finding or report.status != Report.Status.SIGNED:
        return None
    now = timezone.now()
    due = now + ack_window() if _has_portal_doctor(report) else now
    notice, _ = CriticalNotice.objects.get_or_create(report=report, defaults={"ack_due_at": due})
    return notice


@transaction.atomic
def critical_notice_acknowledge(*, notice: CriticalNotice, doctor: User) -> CriticalNotice:
    """The referring doctor confirms they have seen the critical finding. Recorded once (who, when);
    a second press changes nothing. After an escalation it is still recorded."""
    notice = CriticalNotice.objects.select_for_update().select_related("report").get(pk=notice.pk)
    if not doctor_referred(doctor, notice.report.appointment_id):
        raise PermissionDenied("Only the referring doctor can acknowledge this critical finding.")
    if notice.acknowledged_at is not None:
        raise ValidationError("This critical finding was acknowledged already.")
    notice.acknowledged_at = timezone.now()
    notice.acknowledged_by = doctor
    notice.full_clean()
    notice.save(update_fields=["acknowledged_at", "acknowledged_by", "updated_at"])
    logger.info("critical finding acknowledged: report_id=%s by user_id=%s", notice.report_id, doctor.pk)
    return notice


def _due(now: dt.datetime):
    # A superseded version's notice is not escalated: its amendment has its own notice when still critical.
    return CriticalNotice.objects.filter(acknowledged_at__isnull=True, escalated_at__isnull=True,
                                         ack_due_at__lte=now, report__status=Report.Status.SIGNED)


def critical_notice_escalate(*, notice_id: int, now: dt.datetime | None = None) -> bool:
    """Text one unacknowledged, due notice to the duty phones. True when this call escalated it.

    Not one transaction: the claim (a conditional UPDATE that only one caller can win) commits before
    any SMS is sent, so a job run twice, or two workers, send it once. The numbers texted and each
    provider id or error are then stored on the notice."""
    now = now or timezone.now()
    phones = duty_phones()
    claimed = _due(now).filter(pk=notice_id).update(escalated_at=now, escalated_to=phones, updated_at=now)
    if not claimed:
        return False
    notice = CriticalNotice.objects.select_related("report__appointment__scan_type").get(pk=notice_id)
    results: list[dict] = []
    if not phones:
        results.append({"error": "No duty phones are set (CRITICAL_DUTY_PHONES)."})
        logger.error("critical finding not acknowledged and no duty phones set: report_id=%s", notice.report_id)
    else:
        for _receiver, response in signals.critical_finding_escalated.send_robust(
            sender=CriticalNotice, notice=notice, phones=phones,
        ):
            if isinstance(response, Exception):
                results.append({"error": f"{type(response).__name__}: {response}"[:300]})
            elif response:
                results.extend(response)
        if not results:
            results.append({"error": "Nothing is connected to send the duty SMS."})
        logger.warning("critical finding escalated to %s duty phones: report_id=%s", len(phones), notice.report_id)
    CriticalNotice.objects.filter(pk=notice_id).update(escalation_result=results, updated_at=timezone.now())
    return True


def critical_notices_escalate_due(*, now: dt.datetime | None = None) -> int:
    """The every-minute job: escalate each notice whose time has come. Returns how many it escalated."""
    now = now or timezone.now()
    ids = list(_due(now).order_by("ack_due_at", "pk").values_list("pk", flat=True)[:200])
    return sum(critical_notice_escalate(notice_id=pk, now=now) for pk in ids)


def ensure_escalation_schedule() -> None:
    """The q2 schedule of the escalation job (every minute). Idempotent."""
    from django_q.models import Schedule

    Schedule.objects.update_or_create(
        name=ESCALATION_SCHEDULE_NAME,
        defaults={"func": ESCALATION_TASK, "schedule_type": Schedule.MINUTES, "minutes": 1, "repeats": -1},
    )


def ensure_escalation_schedule_after_migrate(sender, using="default", **kwargs) -> None:
    from django_q.models import Schedule

    if not Schedule.objects.using(using).filter(name=ESCALATION_SCHEDULE_NAME).exists():
        ensure_escalation_schedule()

"""Background work of reports: thin, takes ids, safe to run twice."""

from __future__ import annotations

from portal.reports.critical import critical_notices_escalate_due
from portal.reports.services import report_announce_release


def announce_release(report_id: int) -> bool:
    return report_announce_release(report_id=report_id)


def escalate_critical_findings() -> int:
    """The every-minute job: critical findings unacknowledged past CRITICAL_ACK_MINUTES go to the duty phones."""
    return critical_notices_escalate_due()

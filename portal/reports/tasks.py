"""Background work of reports: thin, takes ids, safe to run twice."""

from __future__ import annotations

from portal.reports.services import report_announce_release


def announce_release(report_id: int) -> bool:
    return report_announce_release(report_id=report_id)

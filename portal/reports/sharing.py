"""Share links: a patient lets another doctor read one report for a limited time.

The token is 32 random bytes, shown once in the link; only its SHA-256 is stored, so a database
copy opens nothing. An optional access code (six digits) is texted to the recipient and stored
hashed; five wrong codes lock the link. Every opening is a ReportAccess row pointing at the share.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets

from django.conf import settings
from django.contrib.auth.hashers import check_password, make_password
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import Http404, HttpRequest
from django.utils import timezone

from portal.accounts.models import User
from portal.accounts.permissions import can
from portal.core import signals
from portal.core.clientip import client_ip
from portal.reports.models import Report, ReportAccess, ReportShare
from portal.reports.selectors import FINAL


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def max_days() -> int:
    return settings.REPORT_SHARE_MAX_DAYS


# --- Reads ------------------------------------------------------------------------------------


def shares_for(*, user: User, report: Report) -> list[ReportShare]:
    """The share links of this appointment's report, for those who may share it."""
    if not can(user, "reports.share", report):
        return []
    return list(ReportShare.objects.filter(report__appointment_id=report.appointment_id).order_by("-created_at"))


def share_get_for(*, user: User, pk: int) -> ReportShare:
    share = ReportShare.objects.select_related("report__appointment").filter(pk=pk).first()
    if share is None or not can(user, "reports.share", share.report):
        raise Http404("No such share link.")
    return share


def share_get_by_token(*, token: str) -> ReportShare:
    """The share a link names (whatever its state); Http404 for a token that matches none."""
    if not token or len(token) > 100:
        raise Http404("No such link.")
    share = ReportShare.objects.select_related("report__appointment").filter(token_hash=token_hash(token)).first()
    if share is None:
        raise Http404("No such link.")
    return share


def shared_report(share: ReportShare) -> Report:
    """The newest final version of the shared appointment's report (an amendment replaces the
    version that was shared)."""
    newest = (
        Report.objects.select_related("appointment__patient", "appointment__scan_type", "radiologist")
        .filter(appointment_id=share.report.appointment_id, status__in=FINAL)
        .order_by("-version")
        .first()
    )
    return newest or share.report


# --- Writes -----------------------------------------------------------------------------------


@transaction.atomic
def report_share_create(
    *, report: Report, by: User, recipient_name: str, days: int, phone: str = ""
) -> tuple[ReportShare, str]:
    """A new link; returns the share and its token (shown once). With `phone`, a six-digit access
    code is texted there and the link asks for it."""
    if not can(by, "reports.share", report):
        raise PermissionDenied
    if not 1 <= days <= max_days():
        raise ValidationError(f"A share link lasts from 1 to {max_days()} days.")
    now = timezone.now()
    token = secrets.token_urlsafe(32)
    code = f"{secrets.randbelow(10**6):06d}" if phone else ""
    share = ReportShare(
        report=report,
        created_by=by,
        recipient_name=recipient_name.strip(),
        token_hash=token_hash(token),
        expires_at=now + dt.timedelta(days=days),
        access_code_hash=make_password(code) if code else "",
        code_phone_last_digits=phone[-4:] if phone else "",
    )
    share.created_at = now
    share.full_clean()
    share.save()
    if code:
        signals.send_on_commit(signals.report_share_code_issued, sender=ReportShare, phone=phone, code=code,
                               expires_at=share.expires_at)
    return share, token


@transaction.atomic
def report_share_revoke(*, share: ReportShare, by: User) -> ReportShare:
    share = ReportShare.objects.select_for_update().get(pk=share.pk)
    if not can(by, "reports.share", share.report):
        raise PermissionDenied
    if share.revoked_at is None:
        share.revoked_at = timezone.now()
        share.revoked_by = by
        share.full_clean()
        share.save(update_fields=["revoked_at", "revoked_by", "updated_at"])
    return share


@transaction.atomic
def report_share_check_code(*, share: ReportShare, code: str) -> bool:
    """Is `code` the link's access code? A wrong code counts towards the lock."""
    share = ReportShare.objects.select_for_update().get(pk=share.pk)
    if share.state(timezone.now()) != "active":
        return False
    if check_password(code.strip(), share.access_code_hash):
        return True
    share.failed_code_attempts += 1
    share.save(update_fields=["failed_code_attempts", "updated_at"])
    return False


@transaction.atomic
def report_share_record_open(*, share: ReportShare, report: Report, action: str, request: HttpRequest) -> ReportAccess:
    access = ReportAccess(
        report=report,
        share=share,
        user=None,
        action=action,
        ip_address=client_ip(request),
        user_agent=request.META.get("HTTP_USER_AGENT", "")[:300],
    )
    access.full_clean(exclude=["user"])  # nobody signed in: the share names who it was for
    access.save()
    return access

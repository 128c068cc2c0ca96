"""Share links: the patient makes and revokes them; the recipient opens one without an account.

The shared pages show that one report and nothing else: their own layout, no portal navigation,
never cached, never indexed, no referrer sent on.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from portal.accounts.permissions import can
from portal.reports import selectors, services, sharing
from portal.reports.forms import ShareCodeForm, ShareForm
from portal.reports.models import ReportAccess

STATE_MESSAGES = {
    "expired": "This link has expired.",
    "revoked": "This link was withdrawn by the person who shared it.",
    "locked": "This link is locked after too many wrong access codes.",
}


def _session_key(share) -> str:
    return f"report_share_ok:{share.pk}"


def _private(response: HttpResponse) -> HttpResponse:
    response["Cache-Control"] = "private, no-store"
    response["X-Robots-Tag"] = "noindex, nofollow"
    response["Referrer-Policy"] = "no-referrer"
    return response


@never_cache
def share(request: HttpRequest, pk: int) -> HttpResponse:
    """The patient's share page for one report: make a link, see and revoke the links made."""
    report = selectors.report_for_reading(user=request.user, pk=pk)
    if not can(request.user, "reports.share", report):
        raise PermissionDenied
    form_kwargs = {"max_days": settings.REPORT_SHARE_MAX_DAYS, "default_days": settings.REPORT_SHARE_DEFAULT_DAYS}
    form = ShareForm(request.POST or None, **form_kwargs)
    link = None
    if request.method == "POST" and form.is_valid():
        phone = form.cleaned_data["phone"]
        try:
            made, token = sharing.report_share_create(
                report=report, by=request.user, recipient_name=form.cleaned_data["recipient_name"],
                days=form.cleaned_data["days"], phone=phone.as_e164 if phone else "",
            )
        except ValidationError as exc:
            form.add_error(None, " ".join(exc.messages))
        else:
            link = request.build_absolute_uri(reverse("reports:shared", args=[token]))
            messages.success(request, f"Link made for {made.recipient_name}. Copy it now: it is shown only once."
                             + (" The access code was sent by SMS." if made.needs_code else ""))
            form = ShareForm(**form_kwargs)
    now = timezone.now()
    shares = [{"share": s, "state": s.state(now)} for s in sharing.shares_for(user=request.user, report=report)]
    return render(request, "reports/share.html",
                  {"report": report, "appointment": report.appointment, "form": form, "link": link, "shares": shares},
                  status=400 if request.method == "POST" and form.errors else 200)


@require_POST
def share_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    made = sharing.share_get_for(user=request.user, pk=pk)
    sharing.report_share_revoke(share=made, by=request.user)
    messages.success(request, f"The link for {made.recipient_name} no longer opens the report.")
    return redirect("reports:share", pk=made.report_id)


def _open(request: HttpRequest, token: str):
    """The share and its state; the report only when the link may be opened now."""
    made = sharing.share_get_by_token(token=token)
    state = made.state(timezone.now())
    if state == "active" and made.needs_code and not request.session.get(_session_key(made)):
        state = "code"
    return made, state


@never_cache
def shared(request: HttpRequest, token: str) -> HttpResponse:
    made, state = _open(request, token)
    if state in STATE_MESSAGES:
        return _private(render(request, "reports/shared/closed.html", {"message": STATE_MESSAGES[state]}, status=410))
    if state == "code":
        form = ShareCodeForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            if sharing.report_share_check_code(share=made, code=form.cleaned_data["code"]):
                request.session.cycle_key()
                request.session[_session_key(made)] = True
                return redirect(request.path)
            sharing.report_share_record_open(share=made, report=made.report, action=ReportAccess.Action.DENIED,
                                             request=request)
            made.refresh_from_db()
            if made.state(timezone.now()) == "locked":
                return _private(render(request, "reports/shared/closed.html", {"message": STATE_MESSAGES["locked"]},
                                       status=410))
            form.add_error("code", "That code is not right. Please check the text message and try again.")
        return _private(render(request, "reports/shared/code.html", {"form": form, "share": made},
                               status=400 if form.errors else 200))
    report = sharing.shared_report(made)
    sharing.report_share_record_open(share=made, report=report, action=ReportAccess.Action.VIEW, request=request)
    return _private(render(request, "reports/shared/report.html",
                           {"report": report, "appointment": report.appointment, "share": made, "token": token}))


@never_cache
def shared_pdf(request: HttpRequest, token: str) -> HttpResponse:
    made, state = _open(request, token)
    if state != "active":
        return redirect("reports:shared", token=token)
    report = sharing.shared_report(made)
    data = services.report_pdf_bytes_verified(report)
    if data is None:
        return _private(render(request, "reports/shared/closed.html",
                               {"message": "The PDF cannot be provided just now. Please contact the practice."},
                               status=409))
    sharing.report_share_record_open(share=made, report=report, action=ReportAccess.Action.DOWNLOAD, request=request)
    response = HttpResponse(data, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="radiology-report-{report.appointment_id}.pdf"'
    return _private(response)

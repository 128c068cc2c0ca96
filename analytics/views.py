"""Manager analytics pages. Thin: parse the filters, ask the queries, draw, render."""

from __future__ import annotations

from functools import wraps

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from analytics import charts
from analytics.filters import parse_filters
from analytics.pages import PAGES
from analytics.queries import comments, key_figures, shared_results
from portal.accounts.permissions import can
from portal.core.spreadsheets import csv_safe

# Analytics' one write, the extra reminder, goes through the notifications service (docs/architecture.md).
from portal.notifications import services as notification_services

NAV = [
    ("dashboard", "Overview"), ("revenue", "Revenue"), ("feedback", "Feedback"), ("missed", "Missed"),
    ("turnaround", "Turnaround"), ("risk", "No-show risk"),
]


def manager_required(view):
    @wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs):
        if not can(request.user, "analytics.view"):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapper




def csv_response(df, filename: str) -> HttpResponse:
    df = df.copy()
    for column in df.columns:
        if df[column].dtype == object or str(df[column].dtype).startswith("str"):
            df[column] = df[column].map(csv_safe)
    response = HttpResponse(df.to_csv(index=False), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}.csv"'
    return response


def _render_page(request: HttpRequest, page: str, extra: dict | None = None) -> HttpResponse:
    title, tables = PAGES[page]
    filters, form, errors = parse_filters(request.GET)
    wanted = request.GET.get("csv")
    if wanted:
        table = next((t for t in tables if t.name == wanted), None)
        if table is None:
            messages.error(request, "There is no table of that name to download.")
        else:
            return csv_response(table.build(filters), f"{page}-{table.name}-{filters.start}-{filters.end}")
    for error in errors:
        messages.error(request, error)
    blocks = []
    with shared_results():
        frames = [table.build(filters) for table in tables]
    for table, df in zip(tables, frames, strict=True):
        script, div = charts.cached_embed(f"{page}:{table.name}:{filters.period}", df,
                                          lambda t=table, d=df: t.chart(d, filters))
        blocks.append({
            "table": table, "script": script, "div": div,
            "columns": list(df.columns), "rows": df.to_dict("split")["data"],
            "csv_url": f"?{filters.querystring()}&csv={table.name}",
        })
    context = {
        "title": title, "page": page, "nav": NAV, "filters": filters, "form": form, "blocks": blocks,
        "bokeh_head": charts.bokeh_head(),
    }
    context.update(extra or {})
    return render(request, f"analytics/{page}.html" if page in {"dashboard", "feedback"} else "analytics/page.html",
                  context)


@manager_required
def dashboard(request: HttpRequest) -> HttpResponse:
    filters, _, _ = parse_filters(request.GET)
    if any(table.name == request.GET.get("csv") for table in PAGES["dashboard"][1]):
        return _render_page(request, "dashboard")
    with shared_results():  # the figures and the three tables read one query's day counts
        return _render_page(request, "dashboard", {"figures": key_figures(filters)})


@manager_required
def revenue(request: HttpRequest) -> HttpResponse:
    return _render_page(request, "revenue")


@manager_required
def feedback(request: HttpRequest) -> HttpResponse:
    filters, _, _ = parse_filters(request.GET)
    rating = request.GET.get("rating", "")
    chosen = int(rating) if rating.isdigit() and 1 <= int(rating) <= 5 else None
    if rating and chosen is None:
        messages.error(request, "The rating filter must be a whole number from 1 to 5; showing all ratings.")
    df = comments(filters, rating=chosen)
    if request.GET.get("csv") == "comments":
        return csv_response(df, f"feedback-comments-{filters.start}-{filters.end}")
    return _render_page(request, "feedback", {
        "comments": df.to_dict("records"), "rating": chosen, "ratings": range(1, 6),
        "comments_csv_url": f"?{filters.querystring()}&rating={chosen or ''}&csv=comments",
    })


@manager_required
def missed(request: HttpRequest) -> HttpResponse:
    return _render_page(request, "missed")


@manager_required
def turnaround(request: HttpRequest) -> HttpResponse:
    return _render_page(request, "turnaround")


@manager_required
def risk(request: HttpRequest) -> HttpResponse:
    from analytics.models import NoShowModel
    from analytics.services import upcoming_risks

    filters, form, errors = parse_filters(request.GET)
    for error in errors:
        messages.error(request, error)
    try:
        days = max(1, min(int(request.GET.get("days", "7")), 60))
    except ValueError:
        days = 7
        messages.error(request, "The horizon must be a whole number of days; showing the next 7 days.")
    model = NoShowModel.objects.current()
    ranked = upcoming_risks(model, days=days, modality=filters.modality) if model else None
    if request.GET.get("csv") == "upcoming" and ranked is not None:
        return csv_response(ranked.drop(columns=["appointment", "patient", "phone"]), "risk-upcoming")
    if request.GET.get("csv") == "calibration" and model:
        import pandas as pd

        return csv_response(pd.DataFrame(model.metrics["calibration"]), "risk-calibration")
    context = {
        "title": "No-show risk", "page": "risk", "nav": NAV, "filters": filters, "form": form, "days": days,
        "model": model, "rows": ranked.to_dict("records") if ranked is not None else [],
        "bokeh_head": charts.bokeh_head(),
    }
    if model:
        import pandas as pd

        script, div = charts.embed(
            charts.calibration(pd.DataFrame(model.metrics["calibration"]), title="Calibration on the hold-out"))
        context.update(calibration_script=script, calibration_div=div,
                       calibration_rows=model.metrics["calibration"])
    return render(request, "analytics/risk.html", context)


@require_POST
@manager_required
def send_reminder(request: HttpRequest, pk: int) -> HttpResponse:
    from analytics.services import upcoming_appointment_get

    appointment = upcoming_appointment_get(pk=pk)
    sent = notification_services.notification_send_extra_reminder(appointment=appointment,
                                                                 requested_by=request.user)
    when = timezone.localtime(appointment.start)
    if sent is None:
        messages.warning(request, f"No reminder was sent for the appointment on {when:%d %b %Y at %H:%M}: one "
                                  "went out today already, or the patient has no channel we may use.")
    else:
        messages.success(request, f"An extra reminder was sent for the appointment on {when:%d %b %Y at %H:%M}.")
    next_url = request.POST.get("next", "")
    if not next_url.startswith("/analytics/risk/"):
        next_url = reverse("analytics:risk")
    return HttpResponseRedirect(next_url)



"""Extension points: apps add navigation links and dashboard panels without editing accounts.

Each app registers in its ``AppConfig.ready()``::

    nav_link("Book a scan", "booking:book", roles={Role.PATIENT}, order=10)
    dashboard_panel("booking/panels/upcoming.html", roles={Role.PATIENT}, context=upcoming_for)
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from django.urls import NoReverseMatch, reverse

from portal.core.process_memo import ProcessMemo


@dataclass(frozen=True)
class NavLink:
    label: str
    url_name: str
    roles: frozenset[str]
    order: int = 100
    permission: Callable[[Any], bool] | None = None

    def url(self) -> str | None:
        try:
            return reverse(self.url_name)
        except NoReverseMatch:
            return None


@dataclass(frozen=True)
class DashboardPanel:
    template: str
    roles: frozenset[str]
    order: int = 100
    context: Callable[[Any], dict] | None = field(default=None, compare=False)


_nav: list[NavLink] = []
_panels: list[DashboardPanel] = []


def nav_link(label: str, url_name: str, *, roles: Iterable[str], order: int = 100,
             permission: Callable[[Any], bool] | None = None) -> None:
    link = NavLink(label, url_name, frozenset(roles), order, permission)
    if link not in _nav:
        _nav.append(link)


def dashboard_panel(template: str, *, roles: Iterable[str], order: int = 100,
                    context: Callable[[Any], dict] | None = None) -> None:
    panel = DashboardPanel(template, frozenset(roles), order, context)
    if all(p.template != template for p in _panels):
        _panels.append(panel)


def nav_links_for(user: Any, roles: set[str]) -> list[dict[str, str]]:
    links = []
    for link in sorted(_nav, key=lambda item: (item.order, item.label)):
        if not (link.roles & roles):
            continue
        if link.permission is not None and not link.permission(user):
            continue
        url = link.url()
        if url:
            links.append({"label": link.label, "url": url, "url_name": link.url_name})
    return links


def dashboard_panels_for(user: Any, roles: set[str]) -> list[dict[str, Any]]:
    panels = []
    for panel in sorted(_panels, key=lambda item: (item.order, item.template)):
        if panel.roles & roles:
            context = panel.context(user) if panel.context else {}
            panels.append({"template": panel.template, "context": context})
    return panels


# --- Panels on the appointment page -------------------------------------------------
# Apps add sections to the appointment detail page (payments, report, feedback, messages...).
# `context(user, appointment)` returns the panel's template context, or None to hide the panel.
# Panels ordered below LEAD_PANEL_ORDER (the report) are "lead": shown first, above the booking's
# own sections.

LEAD_PANEL_ORDER = 10


@dataclass(frozen=True)
class AppointmentPanel:
    template: str
    order: int = 100
    context: Callable[[Any, Any], dict | None] | None = field(default=None, compare=False)


_appointment_panels: list[AppointmentPanel] = []


def appointment_panel(template: str, *, order: int = 100,
                      context: Callable[[Any, Any], dict | None] | None = None) -> None:
    if all(p.template != template for p in _appointment_panels):
        _appointment_panels.append(AppointmentPanel(template, order, context))


def appointment_panels_for(user: Any, appointment: Any) -> list[dict[str, Any]]:
    panels = []
    for panel in sorted(_appointment_panels, key=lambda item: (item.order, item.template)):
        context = panel.context(user, appointment) if panel.context else {}
        if context is not None:
            panels.append({"template": panel.template, "context": context, "lead": panel.order < LEAD_PANEL_ORDER})
    return panels


# --- The practice's opening hours ----------------------------------------------------
# One source of truth (booking's rooms and their weekly hours); the public site shows them
# through here. `source()` returns display lines such as "Mon–Fri 07:30–17:00". Every page's
# footer shows them: kept per process, renewed on `opening_hours_changed` (core.process_memo).

_opening_hours_sources: list[Callable[[], list[str]]] = []


def opening_hours_source(source: Callable[[], list[str]]) -> None:
    if source not in _opening_hours_sources:
        _opening_hours_sources.append(source)


def _load_opening_hours() -> tuple[str, ...]:
    return tuple(_opening_hours_sources[0]()) if _opening_hours_sources else ()


opening_hours_memo: ProcessMemo[tuple[str, ...]] = ProcessMemo("opening-hours", _load_opening_hours)


def opening_hours_lines() -> list[str]:
    return list(opening_hours_memo.get())

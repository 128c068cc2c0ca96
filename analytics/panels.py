"""The manager's dashboard panel: this month's key figures."""

from __future__ import annotations

from typing import Any

from analytics.filters import default_filters
from analytics.queries import key_figures


def key_figures_panel(user: Any) -> dict:
    return {"figures": key_figures(default_filters())}

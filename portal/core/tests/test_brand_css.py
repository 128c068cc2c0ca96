"""The brand colour replaces Bootstrap's default blue, and secondary buttons do not look disabled
(issue 18.13). Reads static/css/portal.css, which every page loads after Bootstrap."""

from __future__ import annotations

import re
from pathlib import Path

from django.conf import settings

CSS = (Path(settings.BASE_DIR) / "static" / "css" / "portal.css").read_text()
BRAND = "#0b5d7a"
BOOTSTRAP_BLUE = ("#0d6efd", "13, 110, 253", "13,110,253")


def _rule(selector: str) -> str:
    match = re.search(r"(?:^|\})\s*" + re.escape(selector) + r"\s*\{([^}]*)\}", CSS, re.M)
    assert match, f"no rule for {selector}"
    return match.group(1)


def _var(body: str, name: str) -> str:
    match = re.search(re.escape(name) + r"\s*:\s*([^;]+);", body)
    assert match, f"{name} not set"
    return match.group(1).strip()


def _luminance(hex_colour: str) -> float:
    channels = [int(hex_colour.lstrip("#")[i:i + 2], 16) / 255 for i in (0, 2, 4)]
    linear = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def _contrast(a: str, b: str) -> float:
    high, low = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def test_bootstraps_primary_and_link_colours_are_the_brand():
    root = CSS.split("--bs-primary:", 1)
    assert len(root) == 2, "portal.css does not set --bs-primary"
    block = "--bs-primary:" + root[1].split("}", 1)[0]
    assert _var(block, "--bs-primary") == BRAND
    assert _var(block, "--bs-primary-rgb") == "11, 93, 122"
    assert _var(block, "--bs-link-color") == BRAND
    assert _var(block, "--bs-link-color-rgb") == "11, 93, 122"
    assert "rgba(11, 93, 122" in _var(block, "--bs-focus-ring-color")
    assert not any(blue in CSS for blue in BOOTSTRAP_BLUE)


def test_pagers_tabs_checkboxes_lists_use_the_brand():
    assert _var(_rule(".pagination"), "--bs-pagination-active-bg") == "var(--brand)"
    assert "var(--brand)" in _rule(".form-check-input:checked")
    assert "var(--brand)" in _rule('.form-check-input[type="checkbox"]:indeterminate')
    assert _var(_rule(".list-group"), "--bs-list-group-active-bg") == "var(--brand)"
    assert "var(--brand)" in _rule(".nav-tabs .nav-link, .nav-pills .nav-link")


def test_secondary_buttons_read_as_enabled():
    outline = _rule(".btn-outline-secondary")
    text, border = _var(outline, "--bs-btn-color"), _var(outline, "--bs-btn-border-color")
    assert _contrast(text, "#ffffff") >= 7  # dark text, not Bootstrap's mid grey
    assert _contrast(border, "#ffffff") >= 3  # a visible edge (WCAG 1.4.11 non-text contrast)
    assert _contrast(_var(outline, "--bs-btn-disabled-color"), "#ffffff") < _contrast(text, "#ffffff")
    solid = _rule(".btn-secondary")
    assert _contrast(_var(solid, "--bs-btn-bg"), "#ffffff") >= 7  # white text on it reads clearly


def test_a_long_role_nav_wraps_at_desktop_widths_instead_of_widening_the_page():
    """The manager's and the patient's nav measured 1476 and 1380 px at a 1280 px window."""
    desktop = CSS.split("@media (min-width: 1200px) {", 1)[1].split("\n}", 1)[0]
    assert re.search(r"\.navbar-expand-xl \.navbar-nav \{[^}]*flex-wrap: wrap", desktop)
    assert re.search(r"\.navbar-expand-xl \.navbar-collapse \{[^}]*min-width: 0", desktop)

"""The portal's CSP allows scripts only from 'self' or with the request's nonce: no template may
have an inline <script> without nonce="{{ csp_nonce }}", nor an inline event handler (onclick=...),
which no nonce can allow. (The browser journeys in tests/e2e catch what a template scan cannot.)"""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TEMPLATE_DIRS = [ROOT / "templates", *ROOT.glob("*/templates"), *ROOT.glob("portal/*/templates")]
SCRIPT = re.compile(r"<script\b([^>]*)>", re.I)
HANDLER = re.compile(r"<[a-z][^>]*\son[a-z]+\s*=", re.I | re.S)


def _templates():
    for folder in TEMPLATE_DIRS:
        yield from folder.rglob("*.html")


def test_templates_exist():
    assert sum(1 for _ in _templates()) > 50


def test_no_inline_script_without_the_nonce():
    offenders = []
    for path in _templates():
        for match in SCRIPT.finditer(path.read_text()):
            attrs = match.group(1)
            if "src=" not in attrs and "csp_nonce" not in attrs and "application/json" not in attrs:
                offenders.append(f"{path.relative_to(ROOT)}: {match.group(0)}")
    assert offenders == []


def test_no_inline_event_handlers():
    offenders = [
        f"{path.relative_to(ROOT)}: {match.group(0)[:80]}"
        for path in _templates()
        for match in HANDLER.finditer(path.read_text())
    ]
    assert offenders == []

"""WeasyPrint with nothing fetched: the one locked-down way this project turns HTML into a PDF.

A patient document (report, estimate) renders from its own HTML and stylesheet alone: no network,
no files, no images from a URL (the fetcher refuses every resource). The font configuration and
each parsed stylesheet are kept per thread (Pango's font map is not thread-safe).
"""

from __future__ import annotations

import threading
from pathlib import Path

from weasyprint import CSS, HTML
from weasyprint.text.fonts import FontConfiguration
from weasyprint.urls import URLFetcher


class NoFetch(URLFetcher):
    """Refuse every external resource: a document renders from its HTML and CSS alone."""

    def fetch(self, url, headers=None):
        raise ValueError("External resources are not fetched when rendering patient documents.")


_per_thread = threading.local()


def _setup(stylesheet: Path) -> tuple[FontConfiguration, CSS]:
    if not hasattr(_per_thread, "font_config"):
        _per_thread.font_config = FontConfiguration()
        _per_thread.stylesheets = {}
    sheets = _per_thread.stylesheets
    if stylesheet not in sheets:
        sheets[stylesheet] = CSS(filename=str(stylesheet), font_config=_per_thread.font_config, url_fetcher=NoFetch())
    return _per_thread.font_config, sheets[stylesheet]


def pdf_from_html(html: str, *, stylesheet: Path) -> bytes:
    """`html` laid out with `stylesheet` as PDF bytes; nothing outside the two is read."""
    font_config, css = _setup(stylesheet)
    return HTML(string=html, url_fetcher=NoFetch()).write_pdf(stylesheets=[css], font_config=font_config)

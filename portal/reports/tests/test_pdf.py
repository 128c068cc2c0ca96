"""The report PDF renderer: its stylesheet is applied, threads render side by side, and a missing
HarfBuzz subsetter is reported by `manage.py check`."""

from __future__ import annotations

import contextlib
import re
import zlib
from concurrent.futures import ThreadPoolExecutor

import pytest
from weasyprint.text import ffi

from portal.reports import checks
from portal.reports.pdf import html_to_pdf, render_report_html, render_report_pdf
from portal.reports.tests.factories import signed_report

pytestmark = pytest.mark.django_db


def _pdf_text(pdf: bytes) -> bytes:
    """The PDF with its compressed streams (fonts, object streams) inflated. pydyf writes each as
    b"stream\\n" + data + b"\\nendstream": a data byte \\r before that newline is the data's own (an
    optional \\r in the pattern would cut it off, and the stream would not inflate: about 1 in 256)."""
    parts = [pdf]
    for stream in re.findall(rb"stream\n(.*?)\nendstream", pdf, re.S):
        with contextlib.suppress(zlib.error):
            parts.append(zlib.decompress(stream))
    return b"\n".join(parts)


def _fonts(pdf: bytes) -> set[bytes]:
    return set(re.findall(rb"/BaseFont\s*/[A-Z]{6}\+([\w-]+)", _pdf_text(pdf)))


def test_the_report_stylesheet_is_applied():
    fonts = _fonts(render_report_pdf(signed_report()))
    # report.css sets DejaVu Sans and bold values; WeasyPrint's default would be a serif font.
    assert fonts == {b"DejaVu-Sans", b"DejaVu-Sans-Bold"}


def test_renders_in_several_threads_at_once():
    html = render_report_html(signed_report())
    html_to_pdf(html)  # this thread's setup, so the others run on fresh ones

    with ThreadPoolExecutor(max_workers=3) as pool:
        pdfs = list(pool.map(lambda _: html_to_pdf(html), range(6)))
    assert all(pdf.startswith(b"%PDF") for pdf in pdfs)
    # seen failing now and then under CI's load, cause not found yet: the fonts each PDF had say more
    assert [_fonts(pdf) for pdf in pdfs] == [{b"DejaVu-Sans", b"DejaVu-Sans-Bold"}] * len(pdfs)


def test_check_warns_when_harfbuzz_subset_is_missing(monkeypatch):
    assert checks.harfbuzz_subset_installed(None) == []  # installed by `make install`
    monkeypatch.setattr(ffi, "harfbuzz_subset", None)
    [warning] = checks.harfbuzz_subset_installed(None)
    assert warning.id == "reports.W001" and "libharfbuzz-subset0" in warning.msg

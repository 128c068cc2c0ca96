"""Issue 13, item 12: uploaded PDFs are parsed (pypdf) and active content refused; big images are refused
before they cost request time.

Each PDF below starts with %PDF and ends with %%EOF, so the old check (magic bytes only) took them all.
"""

from __future__ import annotations

import io
import time

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image, ImageDraw
from pypdf import PdfWriter

from portal.core.simplepdf import simple_pdf
from portal.core.uploads import MAX_IMAGE_PIXELS, check_upload

LETTER = simple_pdf("Please scan the left knee.")


def _written(modify=None, password: str | None = None) -> bytes:
    writer = PdfWriter()
    writer.add_blank_page(595, 842)
    if modify:
        modify(writer)
    if password:
        writer.encrypt(password)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def _with_catalog(extra: bytes) -> bytes:
    return LETTER.replace(b"/Type/Catalog", b"/Type/Catalog" + extra)


def _with_page(extra: bytes) -> bytes:
    return LETTER.replace(b"/Type/Page/", b"/Type/Page" + extra + b"/")


REFUSED = {
    "open-action-javascript": (_with_catalog(b"/OpenAction<</S/JavaScript/JS(app.alert(1))>>"), "JavaScript|opening"),
    "document-javascript": (
        _with_catalog(b"/Names<</JavaScript<</Names[(a)<</S/JavaScript/JS(app.alert(1))>>]>>>>"), "JavaScript"),
    "launch-action-on-a-link": (
        _with_page(b"/Annots[<</Type/Annot/Subtype/Link/Rect[0 0 9 9]/A<</S/Launch/F(cmd.exe)>>>>]"), "launch"),
    "page-open-action": (_with_page(b"/AA<</O<</S/URI/URI(https://example.org/)>>>>"), "automatic actions"),
    "submit-form": (_with_page(b"/Annots[<</Subtype/Widget/A<</S/SubmitForm/F(x)>>>>]"), "sends data"),
    "hex-escaped-name": (_with_catalog(b"/Open#41ction<</S/Launch/F(calc.exe)>>"), "opening"),
    "embedded-file": (_written(lambda w: w.add_attachment("invoice.exe", b"MZ...")), "embedded files"),
    "encrypted": (_written(password="secret"), "encrypted"),
    "html-polyglot": (LETTER.replace(b"%PDF-1.4\n", b"%PDF-1.4\n%<html><script>alert(1)</script>\n"), "web page"),
    "no-structure": (b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n", "could not be read"),
}


@pytest.mark.parametrize("name", list(REFUSED))
def test_a_pdf_with_active_content_is_refused(name):
    data, message = REFUSED[name]
    assert data.startswith(b"%PDF") and b"%%EOF" in data[-16:]
    with pytest.raises(ValidationError, match=f"(?i){message}"):
        check_upload(SimpleUploadedFile("letter.pdf", data))


@pytest.mark.parametrize("data", [LETTER, _written()], ids=["hand-made", "pypdf-written"])
def test_a_plain_pdf_is_accepted_unchanged(data):
    checked = check_upload(SimpleUploadedFile("letter.pdf", data))
    assert checked.content_type == "application/pdf"
    assert checked.content.read() == data


def _document_png(width: int, height: int) -> bytes:
    image = Image.new("RGB", (width, height), "white")
    draw = ImageDraw.Draw(image)
    for y in range(100, height - 100, 40):
        draw.text((100, y), "Referral letter line of text " * 8, fill="black")
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


def test_a_6300_pixel_square_png_is_refused_at_once():
    data = _document_png(6300, 6300)
    started = time.perf_counter()
    with pytest.raises(ValidationError, match="too many pixels"):
        check_upload(SimpleUploadedFile("scan.png", data))
    assert time.perf_counter() - started < 0.5  # the header alone decides


def test_an_a4_scan_at_300_dpi_is_still_accepted():
    assert MAX_IMAGE_PIXELS >= 2480 * 3508
    checked = check_upload(SimpleUploadedFile("scan.png", _document_png(2480, 3508)))
    assert checked.content_type == "image/png"

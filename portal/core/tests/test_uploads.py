from __future__ import annotations

import io

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from portal.core.simplepdf import simple_pdf
from portal.core.uploads import check_upload

PDF = simple_pdf()


def _png(width=10, height=10) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (width, height), "white").save(out, format="PNG")
    return out.getvalue()


def test_a_real_pdf_passes_with_a_server_made_name():
    checked = check_upload(SimpleUploadedFile("../../etc/passwd.pdf", PDF))
    assert checked.content_type == "application/pdf"
    assert checked.content.name == "upload.pdf"
    assert checked.original_name == "passwd.pdf"
    assert len(checked.sha256) == 64


def test_an_exe_renamed_pdf_is_refused():
    with pytest.raises(ValidationError, match="Only PDF, JPG, PNG"):
        exe = b"MZ\x90\x00\x03" + b"\x00" * 200
        check_upload(SimpleUploadedFile("letter.pdf", exe, content_type="application/pdf"))


def test_an_oversized_file_is_refused(settings):
    settings.MAX_UPLOAD_BYTES = 1024
    with pytest.raises(ValidationError, match="larger than"):
        check_upload(SimpleUploadedFile("big.pdf", PDF + b"0" * 2048))


def test_a_png_decompression_bomb_is_refused():
    # A tiny file that claims 20,000 x 20,000 pixels.
    bomb = io.BytesIO()
    Image.new("1", (20000, 20000)).save(bomb, format="PNG")
    assert len(bomb.getvalue()) < 200_000
    with pytest.raises(ValidationError, match="too many pixels"):
        check_upload(SimpleUploadedFile("scan.png", bomb.getvalue()))


def test_images_are_reencoded():
    original = _png() + b"hidden payload after the image end"
    checked = check_upload(SimpleUploadedFile("scan.png", original))
    data = checked.content.read()
    assert b"hidden payload" not in data
    assert data.startswith(b"\x89PNG")


def test_an_empty_file_is_refused():
    with pytest.raises(ValidationError, match="empty"):
        check_upload(SimpleUploadedFile("x.pdf", b""))

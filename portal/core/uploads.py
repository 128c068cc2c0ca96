"""Checking uploaded files (referral letters, report PDFs) before anything is stored.

Only real PDF, JPEG and PNG files pass, judged by their content (magic bytes), not their name or
the browser's content type; a size limit applies; images are decoded with a pixel limit (no
decompression bombs) and re-encoded, which drops anything hidden in them. The caller stores the
returned bytes under a server-made name (core.files.PrivateUploadTo).
"""

from __future__ import annotations

import hashlib
import io
import logging
import re
from dataclasses import dataclass

import filetype
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from PIL import Image
from pypdf import PdfReader
from pypdf.errors import PyPdfError
from pypdf.generic import ArrayObject, DictionaryObject, IndirectObject, NameObject

logger = logging.getLogger(__name__)

DEFAULT_MAX_UPLOAD_BYTES = 10 * 1024 * 1024
# A phone photo of an A4 letter at 300 dpi is ~9 MP; 6,300 x 6,300 (40 MP) took 4.3 s of request
# time to decode and re-encode. 12 MP (4,000 x 3,000) keeps it well under a second.
MAX_IMAGE_PIXELS = 12_000_000

# PDF names that run code, act on opening, reach out or carry other files: a referral letter or a
# report needs none of them. Checked on every object in the file (pypdf decodes #xx name escapes and
# object streams), reachable from the page tree or not.
PDF_ACTIVE_KEYS = {
    "/JS": "JavaScript",
    "/JavaScript": "JavaScript",
    "/OpenAction": "an action on opening",
    "/AA": "automatic actions",
    "/Launch": "a launch action",
    "/EmbeddedFile": "embedded files",
    "/EmbeddedFiles": "embedded files",
    "/FileAttachment": "embedded files",
    "/RichMedia": "embedded media",
    "/XFA": "an XFA form",
    "/SubmitForm": "a form that sends data",
    "/ImportData": "an action that imports data",
    "/GoToR": "a link to another file",
    "/GoToE": "a link to an embedded file",
}
PDF_ACTIVE_ACTIONS = {"/JavaScript", "/Launch", "/SubmitForm", "/ImportData", "/GoToR", "/GoToE", "/Rendition"}
# HTML in a PDF (a PDF/HTML polyglot) is refused too: browsers sniffing it would run it.
HTML_MARKERS = re.compile(rb"<\s*(?:html|script|iframe|svg|body|object|embed)\b", re.IGNORECASE)

KINDS = {
    "application/pdf": ".pdf",
    "image/jpeg": ".jpg",
    "image/png": ".png",
}


@dataclass(frozen=True)
class CheckedUpload:
    content: ContentFile  # named "<safe>.<ext>"; store it through a PrivateUploadTo field
    content_type: str
    size: int
    sha256: str
    original_name: str


def _max_bytes() -> int:
    return int(getattr(settings, "MAX_UPLOAD_BYTES", DEFAULT_MAX_UPLOAD_BYTES))


def _display_name(name: str) -> str:
    """The client's file name, for display only: no path, no control characters, bounded."""
    base = (name or "upload").replace("\\", "/").rsplit("/", 1)[-1]
    cleaned = "".join(ch for ch in base if ch.isprintable()).strip().lstrip(".") or "upload"
    return cleaned[:150]


def _reencode_image(data: bytes, kind: str) -> bytes:
    try:
        with Image.open(io.BytesIO(data)) as probe:
            width, height = probe.size
            if width * height > MAX_IMAGE_PIXELS:
                raise ValidationError("This image is too large (too many pixels). Please upload a smaller scan.")
            probe.verify()
        with Image.open(io.BytesIO(data)) as image:
            image.load()
            out = io.BytesIO()
            if kind == "image/jpeg":
                image.convert("RGB").save(out, format="JPEG", quality=90)
            else:
                image.save(out, format="PNG", optimize=False, compress_level=1)  # speed over size
            return out.getvalue()
    except ValidationError:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise ValidationError("This image is too large (too many pixels). Please upload a smaller scan.") from exc
    except Exception as exc:
        raise ValidationError("This image could not be read. Please upload a PDF, JPEG or PNG file.") from exc


def _active_content(value, seen: set[int], depth: int = 0) -> str | None:
    if depth > 50:
        return None
    if isinstance(value, IndirectObject):
        if value.idnum in seen:
            return None
        seen.add(value.idnum)
        value = value.get_object()
    if isinstance(value, DictionaryObject):
        for key, item in value.items():
            if key in PDF_ACTIVE_KEYS:
                return PDF_ACTIVE_KEYS[key]
            if key == "/S" and isinstance(item, NameObject) and item in PDF_ACTIVE_ACTIONS:
                return PDF_ACTIVE_KEYS.get(str(item), "an action")
            found = _active_content(item, seen, depth + 1)
            if found:
                return found
    elif isinstance(value, ArrayObject):
        for item in value:
            found = _active_content(item, seen, depth + 1)
            if found:
                return found
    return None


def _check_pdf(data: bytes) -> None:
    """Refuse a PDF that is damaged, encrypted, or carries JavaScript, actions or embedded files."""
    if b"%%EOF" not in data[-2048:]:
        raise ValidationError("This PDF file is incomplete or damaged.")
    if HTML_MARKERS.search(data):
        raise ValidationError("This PDF file contains web page content. Please upload a plain PDF.")
    try:
        reader = PdfReader(io.BytesIO(data), strict=False)
        if reader.is_encrypted:
            raise ValidationError("This PDF is password-protected or encrypted. Please upload an unprotected copy.")
        if len(reader.pages) < 1:
            raise ValidationError("This PDF file has no pages.")
        seen: set[int] = set()
        found = _active_content(reader.trailer, seen)
        for idnum, generation in _all_objects(reader):
            if found:
                break
            if idnum not in seen:
                found = _active_content(IndirectObject(idnum, generation, reader), seen)
    except ValidationError:
        raise
    except (PyPdfError, ValueError, KeyError, TypeError, AttributeError, RecursionError, OSError) as exc:
        logger.info("upload: a PDF could not be parsed (%s)", type(exc).__name__)
        raise ValidationError("This PDF file could not be read. Please upload another copy.") from exc
    if found:
        raise ValidationError(f"This PDF contains {found}, which is not accepted. Please upload a plain PDF.")


def _all_objects(reader: PdfReader) -> list[tuple[int, int]]:
    """Every object the file holds: those in the cross-reference table and those in object streams."""
    objects = {(idnum, generation) for generation, table in reader.xref.items() for idnum in table}
    objects |= {(idnum, 0) for idnum in reader.xref_objStm}
    return sorted(objects)


def check_upload(uploaded, *, allowed: tuple[str, ...] = tuple(KINDS)) -> CheckedUpload:
    """Validate an UploadedFile; raise ValidationError with a message for the user, else return it cleaned."""
    if uploaded is None:
        raise ValidationError("Please choose a file.")
    limit = _max_bytes()
    if uploaded.size is not None and uploaded.size > limit:
        raise ValidationError(f"This file is larger than {limit // (1024 * 1024)} MB.")
    data = uploaded.read(limit + 1)
    if len(data) > limit:
        raise ValidationError(f"This file is larger than {limit // (1024 * 1024)} MB.")
    if not data:
        raise ValidationError("This file is empty.")
    kind = filetype.guess_mime(data)
    if kind not in allowed:
        names = ", ".join(KINDS[k].lstrip(".").upper() for k in allowed)
        raise ValidationError(f"Only {names} files are accepted; this file is not one of them.")
    if kind == "application/pdf":
        _check_pdf(data)
    else:
        data = _reencode_image(data, kind)
    digest = hashlib.sha256(data).hexdigest()
    return CheckedUpload(
        content=ContentFile(data, name=f"upload{KINDS[kind]}"),
        content_type=kind,
        size=len(data),
        sha256=digest,
        original_name=_display_name(getattr(uploaded, "name", "")),
    )

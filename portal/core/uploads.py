"""Checking uploaded files (referral letters, report PDFs) before anything is stored.

Only real PDF, JPEG and PNG files pass, judged by their content (magic bytes), not their name or
the browser's content type; a size limit applies; images are decoded with a pixel limit (no
decompression bombs) and re-encoded, which drops anything hidden in them. The caller stores the
returned bytes under a server-made name (core.files.PrivateUploadTo).
"""

from __future__ import annotations

import hashlib
import io
from dataclasses import dataclass

import filetype
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from PIL import Image

DEFAULT_MAX_UPLOAD_BYTES = 10 * 1024 * 1024
MAX_IMAGE_PIXELS = 40_000_000  # ~ a 6,300 x 6,300 scan; more is refused

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
                image.save(out, format="PNG", optimize=False)
            return out.getvalue()
    except ValidationError:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise ValidationError("This image is too large (too many pixels). Please upload a smaller scan.") from exc
    except Exception as exc:
        raise ValidationError("This image could not be read. Please upload a PDF, JPEG or PNG file.") from exc


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
        if b"%%EOF" not in data[-2048:]:
            raise ValidationError("This PDF file is incomplete or damaged.")
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

"""Private files (referral letters, reports): stored outside any public URL.

They live under settings.PRIVATE_MEDIA_ROOT, get server-made names, and are only ever served by a
view that checks permission and records the access.
"""

from __future__ import annotations

import uuid
from pathlib import PurePosixPath

from django.conf import settings
from django.core.files.storage import FileSystemStorage
from django.utils import timezone
from django.utils.deconstruct import deconstructible

ALLOWED_SUFFIXES = {".pdf", ".jpg", ".jpeg", ".png"}


@deconstructible
class PrivateStorage(FileSystemStorage):
    """FileSystemStorage under PRIVATE_MEDIA_ROOT (read at use, so tests can move it); no URL."""

    def __init__(self, **kwargs):
        super().__init__()

    @property
    def base_location(self):
        return str(settings.PRIVATE_MEDIA_ROOT)

    @property
    def location(self):
        return str(settings.PRIVATE_MEDIA_ROOT)

    def url(self, name):
        raise ValueError("Private files have no public URL; serve them through a permission-checked view.")


private_storage = PrivateStorage()


@deconstructible
class PrivateUploadTo:
    """An `upload_to` that ignores the client's file name: <folder>/<yyyy>/<mm>/<uuid><ext>."""

    def __init__(self, folder: str):
        self.folder = folder

    def __call__(self, instance, filename: str) -> str:
        suffix = PurePosixPath(filename).suffix.lower()
        if suffix not in ALLOWED_SUFFIXES:
            suffix = ""
        return f"{self.folder}/{timezone.now():%Y/%m}/{uuid.uuid4().hex}{suffix}"

    def __eq__(self, other) -> bool:
        return isinstance(other, PrivateUploadTo) and other.folder == self.folder

"""Private files (referral letters, reports): stored outside any public URL.

They live under settings.PRIVATE_MEDIA_ROOT, get server-made names, and are only ever served by a
view that checks permission and records the access.
"""

from __future__ import annotations

import contextlib
import contextvars
import errno
import functools
import logging
import os
import uuid
from pathlib import PurePosixPath

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.storage import FileSystemStorage
from django.utils import timezone
from django.utils.deconstruct import deconstructible

logger = logging.getLogger(__name__)

ALLOWED_SUFFIXES = {".pdf", ".jpg", ".jpeg", ".png"}
# "No space left on device" and "disk quota exceeded": the folder is full for us, not the file wrong.
FULL_ERRNOS = {errno.ENOSPC, errno.EDQUOT}
STORAGE_FULL_MESSAGE = (
    "We could not store your file: the server's storage is full. Nothing was saved; please try again later."
)


class StorageFull(ValidationError):
    """The private-files folder is full (ENOSPC/EDQUOT). Nothing of the file is left on disk.

    A ValidationError so every form and service that already shows one shows this message (the
    request is answered, not a 500); the API answers it 503 with Retry-After (config/api.py)."""

    def __init__(self, message: str = STORAGE_FULL_MESSAGE):
        super().__init__(message, code="storage_full")


# The private files saved during the current `private_files_removed_on_failure` call (None outside one).
_saved_files: contextvars.ContextVar[list[str] | None] = contextvars.ContextVar("private_saved_files", default=None)


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

    def _save(self, name, content):
        """Write the file whole or not at all: on any failure (a full disk above all) the part written
        is removed, and ENOSPC/EDQUOT become StorageFull. (Django's own _save leaves the part behind.)
        The data is fsynced: on filesystems that allocate late, a full disk shows here, not later."""
        directory = os.path.dirname(self.path(name))
        try:
            os.makedirs(directory, exist_ok=True)
            while True:
                full_path = self.path(name)
                try:
                    fd = os.open(full_path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), 0o666)
                    break
                except FileExistsError:
                    name = self.get_available_name(name)
            try:
                try:
                    for chunk in content.chunks():
                        view = memoryview(chunk.encode() if isinstance(chunk, str) else chunk)
                        while view:
                            view = view[os.write(fd, view):]
                    os.fsync(fd)
                finally:
                    os.close(fd)
                if self.file_permissions_mode is not None:
                    os.chmod(full_path, self.file_permissions_mode)
                self._ensure_location_group_id(full_path)
            except BaseException:
                _remove_quietly(full_path)  # created above by this call (O_EXCL), so ours to remove
                raise
        except OSError as exc:
            if exc.errno in FULL_ERRNOS:
                logger.error("private storage full: could not write a file under %s (%s)",
                             PurePosixPath(name).parts[0], errno.errorcode.get(exc.errno, exc.errno))
                raise StorageFull() from exc
            raise
        name = os.path.relpath(full_path, self.location).replace("\\", "/")
        saved = _saved_files.get()
        if saved is not None:
            saved.append(name)
        return name


def _remove_quietly(path: str) -> None:
    with contextlib.suppress(FileNotFoundError):
        os.unlink(path)


private_storage = PrivateStorage()


def private_files_removed_on_failure(func):
    """Put this above `@transaction.atomic` on a service that stores private files: if the call
    raises (its transaction rolled back, or its commit failed), the files it stored are deleted, so
    no file outlives the rows that would have named it. Nested calls hand their files to the outer
    one. (Called inside a caller's own atomic block that rolls back later, the files stay: keep
    these services outermost.)"""

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        outer = _saved_files.get()
        saved: list[str] = []
        token = _saved_files.set(saved)
        try:
            result = func(*args, **kwargs)
        except BaseException:
            for name in saved:
                private_storage.delete(name)
            raise
        finally:
            _saved_files.reset(token)
        if outer is not None:
            outer.extend(saved)
        return result

    return wrapper


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

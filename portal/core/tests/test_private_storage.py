"""PrivateStorage writes a file whole or not at all, and a full disk is StorageFull (core/files.py)."""

from __future__ import annotations

import pytest
from django.core.files.base import ContentFile

from portal.core.files import StorageFull, private_files_removed_on_failure, private_storage


def test_a_taken_name_gets_another_and_the_first_file_is_untouched(settings):
    first = private_storage.save("letters/a.pdf", ContentFile(b"first"))
    second = private_storage.save("letters/a.pdf", ContentFile(b"second"))
    assert first == "letters/a.pdf" and second != first and second.startswith("letters/a")
    assert private_storage.open(first).read() == b"first" and private_storage.open(second).read() == b"second"


def test_on_a_full_disk_a_save_under_a_taken_name_removes_only_its_own_part(full_private_disk):
    full_private_disk.leave_free(8 * 1024)
    kept = private_storage.save("letters/a.pdf", ContentFile(b"kept"))
    full_private_disk.fill()
    with pytest.raises(StorageFull, match="the server's storage is full"):
        private_storage.save("letters/a.pdf", ContentFile(b"x" * 64 * 1024))
    assert full_private_disk.stored_files() == [full_private_disk.root / kept]
    assert private_storage.open(kept).read() == b"kept"


def test_a_text_file_is_stored_as_utf8(settings):
    name = private_storage.save("notes/n.txt", ContentFile("Harare, Zimbabwé"))
    assert private_storage.open(name).read() == "Harare, Zimbabwé".encode()


def test_files_saved_in_a_failed_call_are_removed_and_in_a_nested_call_too(settings):
    @private_files_removed_on_failure
    def inner():
        return private_storage.save("letters/inner.pdf", ContentFile(b"inner"))

    @private_files_removed_on_failure
    def outer():
        inner()
        private_storage.save("letters/outer.pdf", ContentFile(b"outer"))
        raise RuntimeError("a later write failed")

    with pytest.raises(RuntimeError):
        outer()
    assert [p for p in settings.PRIVATE_MEDIA_ROOT.rglob("*") if p.is_file()] == []
    kept = inner()  # a call that succeeds keeps its file
    assert private_storage.exists(kept)

"""A real full disk for the private files: a small tmpfs mounted as PRIVATE_MEDIA_ROOT.

`full_private_disk` mounts a 256 KiB tmpfs in the test's own tmp_path (so pytest-xdist workers never
share one), points settings.PRIVATE_MEDIA_ROOT at it, fills it with a filler file until the kernel
answers ENOSPC, and unmounts it when the test ends. `disk.leave_free(n)` shrinks the filler so that
about n bytes fit: an upload then starts writing and runs out part-way.

Mounting needs root (CAP_SYS_ADMIN); elsewhere the tests skip, saying so. This machine and CI run
as root, so they run there.
"""

from __future__ import annotations

import errno
import os
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest

DISK_BYTES = 256 * 1024
PAGE = 4096


@dataclass
class FullDisk:
    root: Path
    filler: Path

    def fill(self) -> None:
        """Write the filler until the disk refuses another byte."""
        with open(self.filler, "ab", buffering=0) as out:
            while True:
                try:
                    out.write(b"\0" * PAGE)
                except OSError as exc:
                    assert exc.errno == errno.ENOSPC, exc
                    break
        assert self.free_bytes() == 0, self.free_bytes()

    def leave_free(self, n: int) -> None:
        """Shrink the filler so that n bytes (rounded up to whole pages) are free."""
        self.fill()
        size = self.filler.stat().st_size
        os.truncate(self.filler, max(0, size - -(-n // PAGE) * PAGE))

    def free_bytes(self) -> int:
        stats = os.statvfs(self.root)
        return stats.f_bavail * stats.f_frsize

    def stored_files(self) -> list[Path]:
        """Every file on the disk but the filler (what an upload left behind)."""
        return sorted(p for p in self.root.rglob("*") if p.is_file() and p != self.filler)


def _mount(target: Path) -> str | None:
    """Mount the tmpfs; the reason it could not be mounted, or None."""
    if os.geteuid() != 0:
        return "mounting a tmpfs needs root (CAP_SYS_ADMIN); this run is not root"
    result = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={DISK_BYTES},mode=0700", "tmpfs", str(target)],
                            capture_output=True, text=True)
    if result.returncode != 0:
        return f"mount -t tmpfs was refused: {result.stderr.strip() or result.returncode}"
    return None


@pytest.fixture
def full_private_disk(settings, tmp_path):
    root = tmp_path / "private-full"
    root.mkdir()
    reason = _mount(root)
    if reason:
        pytest.skip(f"No size-limited folder for the full-disk tests: {reason}")
    try:
        settings.PRIVATE_MEDIA_ROOT = root
        disk = FullDisk(root=root, filler=root / "filler.bin")
        disk.fill()
        yield disk
    finally:
        if subprocess.run(["umount", str(root)], capture_output=True).returncode != 0:
            subprocess.run(["umount", "-l", str(root)], check=True)

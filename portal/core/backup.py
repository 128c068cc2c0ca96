"""Backup and restore of the database and the files (private patient files and public media).

A backup is one .tar.gz holding `manifest.json` (what, when, a SHA-256 per member), the database
(`database.sqlite3` made with SQLite's online backup API, or `database.pgdump` from pg_dump's custom
format) and the files under `private/` and `media/`. Restore checks every hash before it writes.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from dataclasses import dataclass
from pathlib import Path

import dj_database_url
from django.conf import settings
from django.db import connections
from django.utils import timezone

FORMAT_VERSION = 1


class BackupError(RuntimeError):
    pass


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1024 * 1024), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _pg_env(db: dict) -> dict:
    env = dict(os.environ)
    if db.get("PASSWORD"):
        env["PGPASSWORD"] = str(db["PASSWORD"])
    return env


def _pg_args(db: dict) -> list[str]:
    args = []
    if db.get("HOST"):
        args += ["-h", str(db["HOST"])]
    if db.get("PORT"):
        args += ["-p", str(db["PORT"])]
    if db.get("USER"):
        args += ["-U", str(db["USER"])]
    return args


def _dump_database(db: dict, vendor: str, folder: Path) -> Path:
    if vendor == "sqlite":
        target = folder / "database.sqlite3"
        source = sqlite3.connect(db["NAME"])
        try:
            dest = sqlite3.connect(target)
            with dest:
                source.backup(dest)
            dest.close()
        finally:
            source.close()
        return target
    if vendor == "postgresql":
        target = folder / "database.pgdump"
        command = ["pg_dump", "--format=custom", "--no-owner", "--no-privileges", *_pg_args(db), "-f", str(target),
                   db["NAME"]]
        result = subprocess.run(command, env=_pg_env(db), capture_output=True, text=True, check=False)  # noqa: S603 - fixed argv, no shell
        if result.returncode != 0:
            raise BackupError(f"pg_dump failed: {result.stderr.strip()}")
        return target
    raise BackupError(f"Backups support SQLite and PostgreSQL, not {vendor}.")


def _file_roots() -> dict[str, Path]:
    return {"private": Path(settings.PRIVATE_MEDIA_ROOT), "media": Path(settings.MEDIA_ROOT)}


def create_backup(output: Path, *, using: str = "default") -> dict:
    """Write a backup archive to `output`; return its manifest."""
    connection = connections[using]
    db = connection.settings_dict
    vendor = connection.vendor
    manifest: dict = {"format": FORMAT_VERSION, "created_at": timezone.now().isoformat(), "vendor": vendor,
                      "members": {}}
    with tempfile.TemporaryDirectory() as tmp:
        database = _dump_database(db, vendor, Path(tmp))
        output.parent.mkdir(parents=True, exist_ok=True)
        with tarfile.open(output, "w:gz") as archive:
            manifest["members"][database.name] = _sha256(database)
            archive.add(database, arcname=database.name)
            for prefix, root in _file_roots().items():
                if not root.exists():
                    continue
                for path in sorted(p for p in root.rglob("*") if p.is_file()):
                    name = f"{prefix}/{path.relative_to(root).as_posix()}"
                    manifest["members"][name] = _sha256(path)
                    archive.add(path, arcname=name)
            data = json.dumps(manifest, indent=2, sort_keys=True).encode()
            info = tarfile.TarInfo("manifest.json")
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))
    return manifest


@dataclass
class RestoreTarget:
    database_url: str | None = None  # default: the configured database
    private_root: Path | None = None
    media_root: Path | None = None


def _safe_members(archive: tarfile.TarFile, manifest: dict) -> list[tarfile.TarInfo]:
    members = []
    for member in archive.getmembers():
        if member.name == "manifest.json":
            continue
        path = Path(member.name)
        if member.name not in manifest["members"] or path.is_absolute() or ".." in path.parts or not member.isfile():
            raise BackupError(f"Unexpected member in the archive: {member.name!r}")
        members.append(member)
    return members


def restore_backup(archive_path: Path, target: RestoreTarget | None = None) -> dict:
    """Check and restore a backup into an empty database and the file folders."""
    target = target or RestoreTarget()
    if target.database_url:
        db = dj_database_url.parse(target.database_url)
        vendor = "sqlite" if db["ENGINE"].endswith("sqlite3") else "postgresql"
    else:
        db = connections["default"].settings_dict
        vendor = connections["default"].vendor
    roots = {"private": target.private_root or Path(settings.PRIVATE_MEDIA_ROOT),
             "media": target.media_root or Path(settings.MEDIA_ROOT)}
    with tarfile.open(archive_path, "r:gz") as archive, tempfile.TemporaryDirectory() as tmp:
        manifest = json.load(archive.extractfile("manifest.json"))
        if manifest.get("format") != FORMAT_VERSION:
            raise BackupError("This backup was made by an unknown version of the backup command.")
        if manifest["vendor"] != vendor:
            raise BackupError(f"This is a {manifest['vendor']} backup; the target database is {vendor}.")
        members = _safe_members(archive, manifest)
        archive.extractall(tmp, members=members, filter="data")
        staged = Path(tmp)
        for name, digest in manifest["members"].items():
            if _sha256(staged / name) != digest:
                raise BackupError(f"{name} does not match its checksum: the backup is damaged.")
        if vendor == "sqlite":
            destination = Path(db["NAME"])
            if destination.exists() and destination.stat().st_size > 0:
                with sqlite3.connect(destination) as check:
                    tables = check.execute("SELECT count(*) FROM sqlite_master WHERE type='table'").fetchone()[0]
                if tables:
                    raise BackupError("The target database is not empty; restore into an empty database.")
            if not target.database_url:
                connections["default"].close()
            shutil.copyfile(staged / "database.sqlite3", destination)
        else:
            command = ["pg_restore", "--no-owner", "--no-privileges", "--exit-on-error", *_pg_args(db), "-d",
                       db["NAME"], str(staged / "database.pgdump")]
            result = subprocess.run(command, env=_pg_env(db), capture_output=True, text=True, check=False)  # noqa: S603 - fixed argv, no shell
            if result.returncode != 0:
                raise BackupError(f"pg_restore failed (is the target database empty?): {result.stderr.strip()}")
        restored_files = 0
        for name in manifest["members"]:
            prefix, _, rest = name.partition("/")
            if prefix not in roots or not rest:
                continue
            destination = roots[prefix] / rest
            destination.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(staged / name, destination)
            restored_files += 1
    return {"vendor": vendor, "files": restored_files, "created_at": manifest["created_at"]}

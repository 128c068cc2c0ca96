"""Backup and restore of the database and the files (private patient files and public media).

A backup is one .tar.gz holding `manifest.json` (what, when, a SHA-256 per member), the database
(`database.sqlite3` made with SQLite's online backup API, or `database.pgdump` from pg_dump's custom
format) and the files under `private/` and `media/`. Restore checks every hash before it writes.

Encryption: the archive is encrypted with age (pyrage, the maintained Python binding of the
reference Rust implementation) to the public keys in BACKUP_AGE_RECIPIENTS (`age1...`). The
server that makes backups needs only the public key; the secret key (`AGE-SECRET-KEY-1...`, in the
file BACKUP_AGE_IDENTITY_FILE or `restore --identity`) is needed only to restore, and should live
elsewhere (a password manager, the recovery machine). A wrong key is refused before anything is
written. `prune_backups` keeps BACKUP_KEEP_DAYS of nightly archives.
"""

from __future__ import annotations

import datetime as dt
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
import pyrage
from django.conf import settings
from django.db import connections
from django.utils import timezone

FORMAT_VERSION = 1
AGE_MAGIC = b"age-encryption.org/v1"
ARCHIVE_PREFIX = "portal-"


class BackupError(RuntimeError):
    pass


def _recipients(keys: list[str]) -> list:
    parsed = []
    for key in keys:
        try:
            parsed.append(pyrage.x25519.Recipient.from_str(key.strip()))
        except Exception as exc:  # pyrage.RecipientError
            raise BackupError(
                f"BACKUP_AGE_RECIPIENTS: {key[:12]}... is not an age public key (they start with age1)."
            ) from exc
    if not parsed:
        raise BackupError("No age public key to encrypt to: set BACKUP_AGE_RECIPIENTS (age1...).")
    return parsed


def read_identities(path: Path) -> list:
    """The age secret keys in a key file (as `age-keygen` writes it: comments and AGE-SECRET-KEY-1 lines)."""
    try:
        lines = Path(path).read_text().splitlines()
    except OSError as exc:
        raise BackupError(f"Cannot read the backup key file {path}: {exc.strerror}.") from exc
    identities = []
    for line in lines:
        line = line.strip()
        if line and not line.startswith("#"):
            try:
                identities.append(pyrage.x25519.Identity.from_str(line))
            except Exception as exc:  # pyrage.IdentityError
                raise BackupError(f"{path} holds a line that is not an age secret key (AGE-SECRET-KEY-1...).") from exc
    if not identities:
        raise BackupError(f"{path} holds no age secret key.")
    return identities


def is_encrypted(path: Path) -> bool:
    with Path(path).open("rb") as handle:
        return handle.read(len(AGE_MAGIC)) == AGE_MAGIC


def _decrypt_to(archive_path: Path, identities: list | None, folder: Path) -> Path:
    if not identities:
        raise BackupError(
            "This backup is encrypted: give the secret key file with --identity (or BACKUP_AGE_IDENTITY_FILE)."
        )
    plain = folder / "backup.tar.gz"
    try:
        pyrage.decrypt_file(str(archive_path), str(plain), identities)
    except pyrage.DecryptError as exc:
        raise BackupError(
            f"This key does not open the backup ({exc}): it was encrypted to another key, or the file is "
            "damaged. Nothing was restored."
        ) from exc
    return plain


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


def create_backup(output: Path, *, using: str = "default", recipients: list[str] | None = None) -> dict:
    """Write a backup archive to `output`, encrypted to the age `recipients` when given; return its manifest."""
    if recipients is not None:
        keys = _recipients(recipients)
        output.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryDirectory(dir=output.parent) as tmp:
            plain = Path(tmp) / "backup.tar.gz"
            manifest = create_backup(plain, using=using)
            partial = output.with_name(output.name + ".partial")
            try:
                pyrage.encrypt_file(str(plain), str(partial), keys)
            except pyrage.EncryptError as exc:
                partial.unlink(missing_ok=True)
                raise BackupError(f"Encryption failed: {exc}") from exc
            partial.replace(output)  # never a half-written archive under the final name
        return manifest
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


def restore_backup(archive_path: Path, target: RestoreTarget | None = None, *, identities: list | None = None) -> dict:
    """Check and restore a backup (decrypting it first if it is encrypted) into an empty database and the
    file folders."""
    if is_encrypted(archive_path):
        with tempfile.TemporaryDirectory() as tmp:
            return restore_backup(_decrypt_to(archive_path, identities, Path(tmp)), target)
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


def backup_name(now=None) -> str:
    return f"{ARCHIVE_PREFIX}{timezone.localtime(now):%Y%m%d-%H%M%S}.tar.gz.age"


def prune_backups(folder: Path, *, keep_days: int, now=None) -> list[Path]:
    """Delete archives made by the nightly backup that are older than `keep_days`; the newest one is
    always kept, whatever its age. Returns what was deleted."""
    now = now or timezone.now()
    archives = sorted(Path(folder).glob(f"{ARCHIVE_PREFIX}*.tar.gz.age"))
    deleted = []
    for path in archives[:-1]:  # names sort by time; never the newest
        try:
            made = timezone.make_aware(
                dt.datetime.strptime(path.name[len(ARCHIVE_PREFIX):][:15], "%Y%m%d-%H%M%S")
            )
        except ValueError:
            continue  # not one of ours
        if (now - made).days >= keep_days:
            path.unlink()
            deleted.append(path)
    return deleted

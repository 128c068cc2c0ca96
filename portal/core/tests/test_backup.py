from __future__ import annotations

import sqlite3
import uuid

import psycopg
import pyrage
import pytest
from django.core.files.base import ContentFile
from django.core.management import CommandError, call_command
from django.db import connection

from portal.booking.models import Appointment
from portal.booking.tests.factories import AppointmentFactory
from portal.core.backup import backup_name, create_backup, is_encrypted, prune_backups
from portal.referrals.models import Referral
from portal.reports.models import Report

PDF = b"%PDF-1.4\n% a report\n%%EOF\n"


def _scratch_database(tmp_path):
    """An empty database of the same kind as the test database, and a way to query it."""
    if connection.vendor == "sqlite":
        path = tmp_path / "restored.sqlite3"

        def query(sql):
            with sqlite3.connect(path) as conn:
                return conn.execute(sql).fetchall()

        return f"sqlite:///{path}", query, lambda: None
    db = connection.settings_dict
    name = f"restore_{uuid.uuid4().hex[:8]}"
    params = {"host": db["HOST"] or "127.0.0.1", "port": db["PORT"] or 5432, "user": db["USER"], "dbname": "postgres"}
    with psycopg.connect(**params, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')

    def query(sql):
        with psycopg.connect(**{**params, "dbname": name}) as conn:
            return conn.execute(sql).fetchall()

    def drop():
        with psycopg.connect(**params, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    url = f"postgres://{db['USER']}@{params['host']}:{params['port']}/{name}"
    return url, query, drop


def _age_key(tmp_path, name="backup.key"):
    """A fresh age key pair: (public key, secret key file)."""
    identity = pyrage.x25519.Identity.generate()
    key_file = tmp_path / name
    key_file.write_text(f"# created: for a test\n{identity}\n")
    return str(identity.to_public()), key_file


@pytest.mark.django_db(transaction=True)
def test_restore_drill_on_an_encrypted_archive_brings_back_every_appointment_report_and_file(tmp_path, settings):
    public_key, key_file = _age_key(tmp_path)
    settings.BACKUP_AGE_RECIPIENTS = [public_key]
    appointments = [AppointmentFactory(status=Appointment.Status.COMPLETED) for _ in range(3)]
    referral = Referral(patient=appointments[0].patient, appointment=appointments[0], content_type="application/pdf",
                        size=len(PDF), sha256="0" * 64)
    referral.file.save("letter.pdf", ContentFile(PDF), save=False)
    referral.save()
    report = Report(appointment=appointments[0], status=Report.Status.SIGNED, findings="Normal chest.")
    report.pdf.save("report.pdf", ContentFile(PDF + b"signed"), save=False)
    report.save()

    archive = tmp_path / "backup.tar.gz.age"
    call_command("backup", output=archive)
    assert is_encrypted(archive)
    assert PDF not in archive.read_bytes() and b"Normal chest." not in archive.read_bytes()
    url, query, drop = _scratch_database(tmp_path)
    try:
        call_command("restore", str(archive), database_url=url, private_root=tmp_path / "restored-private",
                     media_root=tmp_path / "restored-media", identity=key_file)
        restored_ids = sorted(row[0] for row in query("SELECT id FROM booking_appointment"))
        assert restored_ids == sorted(a.pk for a in appointments)
        assert query("SELECT findings FROM reports_report") == [("Normal chest.",)]
        assert len(query("SELECT id FROM referrals_referral")) == 1
    finally:
        drop()
    assert (tmp_path / "restored-private" / referral.file.name).read_bytes() == PDF
    assert (tmp_path / "restored-private" / report.pdf.name).read_bytes() == PDF + b"signed"


@pytest.mark.django_db(transaction=True)
def test_a_damaged_backup_is_refused(tmp_path):
    import tarfile

    archive = tmp_path / "backup.tar.gz"
    create_backup(archive)
    damaged = tmp_path / "damaged.tar.gz"
    with tarfile.open(archive) as source, tarfile.open(damaged, "w:gz") as target:
        for member in source.getmembers():
            data = source.extractfile(member).read()
            if member.name.startswith("database"):
                data = data[:-10] + b"0123456789"
            member.size = len(data)
            import io

            target.addfile(member, io.BytesIO(data))
    url, _, drop = _scratch_database(tmp_path)
    try:
        with pytest.raises(CommandError, match="checksum"):
            call_command("restore", str(damaged), database_url=url)
    finally:
        drop()


@pytest.mark.django_db(transaction=True)
def test_a_wrong_key_is_refused_with_a_clear_message_and_nothing_restored(tmp_path, settings):
    AppointmentFactory()
    public_key, _ = _age_key(tmp_path)
    _, other_key_file = _age_key(tmp_path, "other.key")
    archive = tmp_path / "backup.tar.gz.age"
    create_backup(archive, recipients=[public_key])
    url, query, drop = _scratch_database(tmp_path)
    try:
        with pytest.raises(CommandError, match="This key does not open the backup"):
            call_command("restore", str(archive), database_url=url, identity=other_key_file,
                         private_root=tmp_path / "restored-private")
        assert query("SELECT count(*) FROM information_schema.tables WHERE table_schema = 'public'"
                     if connection.vendor == "postgresql" else "SELECT count(*) FROM sqlite_master") == [(0,)]
    finally:
        drop()
    assert not (tmp_path / "restored-private").exists()


@pytest.mark.django_db
def test_an_encrypted_backup_without_a_key_is_refused(tmp_path, settings):
    settings.BACKUP_AGE_IDENTITY_FILE = ""
    public_key, _ = _age_key(tmp_path)
    archive = tmp_path / "backup.tar.gz.age"
    create_backup(archive, recipients=[public_key])
    with pytest.raises(CommandError, match="This backup is encrypted: give the secret key file"):
        call_command("restore", str(archive), database_url=f"sqlite:///{tmp_path / 'x.sqlite3'}")


@pytest.mark.django_db
def test_backup_refuses_to_write_a_plain_archive_unless_asked(tmp_path, settings):
    settings.BACKUP_AGE_RECIPIENTS = []
    with pytest.raises(CommandError, match="set BACKUP_AGE_RECIPIENTS"):
        call_command("backup", output=tmp_path / "b.tar.gz")
    assert not (tmp_path / "b.tar.gz").exists()
    settings.BACKUP_AGE_RECIPIENTS = ["not-a-key"]
    with pytest.raises(CommandError, match="is not an age public key"):
        call_command("backup", output=tmp_path / "b.tar.gz")


@pytest.mark.django_db
def test_the_nightly_task_writes_an_encrypted_archive_and_prunes_old_ones(tmp_path, settings):
    from django_q.models import Schedule

    from portal.core.tasks import nightly_backup

    assert Schedule.objects.get(name="core: nightly encrypted backup").func == "portal.core.tasks.nightly_backup"
    public_key, _ = _age_key(tmp_path)
    settings.BACKUP_AGE_RECIPIENTS = [public_key]
    settings.BACKUP_DIR = tmp_path / "backups"
    settings.BACKUP_DIR.mkdir()
    old = settings.BACKUP_DIR / "portal-20200101-023000.tar.gz.age"
    old.write_bytes(b"old")
    unrelated = settings.BACKUP_DIR / "notes.txt"
    unrelated.write_text("keep me")
    nightly_backup()
    left = sorted(p.name for p in settings.BACKUP_DIR.iterdir())
    assert old.name not in left and "notes.txt" in left
    made = [name for name in left if name.startswith("portal-")]
    assert len(made) == 1 and is_encrypted(settings.BACKUP_DIR / made[0])


def test_pruning_keeps_recent_archives_and_always_the_newest(tmp_path):
    import datetime as dt

    from django.utils import timezone

    now = timezone.now()
    names = [backup_name(now - dt.timedelta(days=days)) for days in (40, 20, 13, 0)]
    for name in names:
        (tmp_path / name).write_bytes(b"x")
    deleted = prune_backups(tmp_path, keep_days=14, now=now)
    assert sorted(p.name for p in deleted) == sorted(names[:2])
    only_old = tmp_path / "only"
    only_old.mkdir()
    (only_old / names[0]).write_bytes(b"x")
    assert prune_backups(only_old, keep_days=14, now=now) == []  # the newest stays, however old

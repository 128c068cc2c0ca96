from __future__ import annotations

import sqlite3
import uuid

import psycopg
import pytest
from django.core.files.base import ContentFile
from django.core.management import CommandError, call_command
from django.db import connection

from portal.booking.models import Appointment
from portal.booking.tests.factories import AppointmentFactory
from portal.core.backup import create_backup
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


@pytest.mark.django_db(transaction=True)
def test_restore_drill_brings_back_every_appointment_report_and_file(tmp_path, settings):
    appointments = [AppointmentFactory(status=Appointment.Status.COMPLETED) for _ in range(3)]
    referral = Referral(patient=appointments[0].patient, appointment=appointments[0], content_type="application/pdf",
                        size=len(PDF), sha256="0" * 64)
    referral.file.save("letter.pdf", ContentFile(PDF), save=False)
    referral.save()
    report = Report(appointment=appointments[0], status=Report.Status.SIGNED, findings="Normal chest.")
    report.pdf.save("report.pdf", ContentFile(PDF + b"signed"), save=False)
    report.save()

    archive = tmp_path / "backup.tar.gz"
    call_command("backup", output=archive)
    url, query, drop = _scratch_database(tmp_path)
    try:
        call_command("restore", str(archive), database_url=url, private_root=tmp_path / "restored-private",
                     media_root=tmp_path / "restored-media")
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

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from portal.core.backup import BackupError, RestoreTarget, is_encrypted, read_identities, restore_backup


class Command(BaseCommand):
    help = ("Restore a backup made by `manage.py backup` (decrypting it with the age secret key) into an empty "
            "database and the file folders.")

    def add_arguments(self, parser):
        parser.add_argument("archive", type=Path)
        parser.add_argument("--database-url", help="Restore into this database instead of the configured one.")
        parser.add_argument("--private-root", type=Path, help="Restore private files here (default: settings).")
        parser.add_argument("--media-root", type=Path, help="Restore public media here (default: settings).")
        parser.add_argument("--identity", type=Path,
                            help="age secret key file for an encrypted backup (default: BACKUP_AGE_IDENTITY_FILE).")

    def handle(self, *args, **options):
        if not options["archive"].is_file():
            raise CommandError(f"No such backup: {options['archive']}")
        target = RestoreTarget(options["database_url"], options["private_root"], options["media_root"])
        try:
            key_file = options["identity"] or settings.BACKUP_AGE_IDENTITY_FILE
            identities = read_identities(key_file) if key_file and is_encrypted(options["archive"]) else None
            result = restore_backup(options["archive"], target, identities=identities)
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(self.style.SUCCESS(
            f"Restored the {result['vendor']} backup of {result['created_at']} with {result['files']} files."
        ))

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from portal.core.backup import BackupError, RestoreTarget, restore_backup


class Command(BaseCommand):
    help = "Restore a backup made by `manage.py backup` into an empty database and the file folders."

    def add_arguments(self, parser):
        parser.add_argument("archive", type=Path)
        parser.add_argument("--database-url", help="Restore into this database instead of the configured one.")
        parser.add_argument("--private-root", type=Path, help="Restore private files here (default: settings).")
        parser.add_argument("--media-root", type=Path, help="Restore public media here (default: settings).")

    def handle(self, *args, **options):
        if not options["archive"].is_file():
            raise CommandError(f"No such backup: {options['archive']}")
        target = RestoreTarget(options["database_url"], options["private_root"], options["media_root"])
        try:
            result = restore_backup(options["archive"], target)
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(self.style.SUCCESS(
            f"Restored the {result['vendor']} backup of {result['created_at']} with {result['files']} files."
        ))

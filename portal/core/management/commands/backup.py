from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from portal.core.backup import BackupError, create_backup


class Command(BaseCommand):
    help = "Back up the database and the private and public files into one .tar.gz."

    def add_arguments(self, parser):
        parser.add_argument("--output", type=Path, help="Archive path (default: var/backups/portal-<time>.tar.gz)")

    def handle(self, *args, **options):
        output = options["output"] or Path("var/backups") / f"portal-{timezone.now():%Y%m%d-%H%M%S}.tar.gz"
        try:
            manifest = create_backup(output)
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        files = sum(1 for name in manifest["members"] if "/" in name)
        self.stdout.write(self.style.SUCCESS(f"Backup written to {output} ({manifest['vendor']}, {files} files)."))

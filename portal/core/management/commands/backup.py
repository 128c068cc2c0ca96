from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from portal.core.backup import BackupError, backup_name, create_backup


class Command(BaseCommand):
    help = ("Back up the database and the private and public files into one .tar.gz, encrypted with age to "
            "BACKUP_AGE_RECIPIENTS.")

    def add_arguments(self, parser):
        parser.add_argument("--output", type=Path,
                            help="Archive path (default: BACKUP_DIR/portal-<time>.tar.gz.age)")
        parser.add_argument("--no-encrypt", action="store_true",
                            help="Write a plain .tar.gz (it holds every patient's data: keep it safe).")

    def handle(self, *args, **options):
        recipients = None if options["no_encrypt"] else settings.BACKUP_AGE_RECIPIENTS
        if recipients is not None and not recipients:
            raise CommandError("Backups are encrypted: set BACKUP_AGE_RECIPIENTS to an age public key (age1..., "
                               "from `age-keygen`), or pass --no-encrypt for a plain archive.")
        output = options["output"] or Path(settings.BACKUP_DIR) / backup_name()
        if recipients is None and output.name.endswith(".age"):
            output = output.with_name(output.name.removesuffix(".age"))
        try:
            manifest = create_backup(output, recipients=recipients)
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        files = sum(1 for name in manifest["members"] if "/" in name)
        how = "encrypted" if recipients else "NOT encrypted"
        self.stdout.write(self.style.SUCCESS(
            f"Backup written to {output} ({manifest['vendor']}, {files} files, {how})."
        ))

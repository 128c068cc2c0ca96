"""Send the demo's synthetic studies to the PACS and link them (`make run` calls it once Orthanc is up)."""

from __future__ import annotations

from django.core.management.base import BaseCommand

from portal.imaging import demo


class Command(BaseCommand):
    help = "Send the demo's synthetic DICOM studies to Orthanc (C-STORE) and link them. Safe to run again."

    def handle(self, *args, **options):
        demo.send_studies(self.stdout)

"""Run the DICOM worklist and MPPS server in the foreground (`make run` starts it)."""

from __future__ import annotations

import contextlib
import logging

from django.conf import settings
from django.core.management.base import BaseCommand

from portal.imaging import dicom_server


class Command(BaseCommand):
    help = "Serve the Modality Worklist (C-FIND) and MPPS (N-CREATE/N-SET) to the scanners."

    def add_arguments(self, parser):
        parser.add_argument("--host", default=settings.DICOM_HOST)
        parser.add_argument("--port", type=int, default=settings.DICOM_PORT)

    def handle(self, *args, **options):
        logging.getLogger("pynetdicom").setLevel(logging.WARNING)
        self.stdout.write(f"DICOM worklist/MPPS server {settings.DICOM_AE_TITLE} on "
                          f"{options['host']}:{options['port']} (Ctrl-C stops it)")
        with contextlib.suppress(KeyboardInterrupt):
            dicom_server.start(host=options["host"], port=options["port"], block=True)

"""Run the project-local Orthanc (`make run` does): write var/orthanc/orthanc.json, start Orthanc in
the foreground, stop it on Ctrl-C or SIGTERM. `--write-config` only writes the file and prints the
portal settings (PACS_URL, ...) as shell assignments."""

from __future__ import annotations

import signal
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from portal.imaging import orthanc_local
from portal.imaging.selectors import store_ae_titles


class Command(BaseCommand):
    help = "Write the local Orthanc's config under var/orthanc and run it (Ctrl-C stops it)."

    def add_arguments(self, parser):
        parser.add_argument("--dir", default=str(Path(settings.BASE_DIR) / "var" / "orthanc"))
        parser.add_argument("--http-port", type=int, default=8042)
        parser.add_argument("--dicom-port", type=int, default=settings.PACS_DICOM_PORT)
        parser.add_argument("--write-config", action="store_true", help="Only write the config; print the settings.")

    def handle(self, *args, **options):
        orthanc = orthanc_local.load_or_create(Path(options["dir"]), http_port=options["http_port"],
                                               dicom_port=options["dicom_port"], store_ae_titles=store_ae_titles())
        if options["write_config"]:
            for name, value in orthanc.env().items():
                self.stdout.write(f"{name}={value}")
            return
        if orthanc_local.binary() is None:
            raise CommandError("Orthanc is not installed: run ./bin/ensure-debian-packages orthanc orthanc-dicomweb")
        process = orthanc_local.start(orthanc)
        self.stdout.write(f"Orthanc (PID {process.pid}) on {orthanc.url}, DICOM port {orthanc.dicom_port}")

        def stop(signum, frame):
            raise KeyboardInterrupt

        signal.signal(signal.SIGTERM, stop)
        try:
            process.wait()
        except KeyboardInterrupt:
            pass
        finally:
            orthanc_local.stop(process)

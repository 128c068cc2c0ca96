"""Build the demo: each app that has a `demo` module adds its part, in INSTALLED_APPS order.

An app's `demo.seed(*, stdout, style, options)` must be idempotent: running this command twice
leaves the same demo as running it once. An app whose demo needs every other app's first (report
PDFs need the practice details for their letterhead) also defines `demo.seed_after(...)`, run in a
second pass once every `seed` has.
"""

from __future__ import annotations

import importlib
import importlib.util
import logging
import time

from django.apps import apps
from django.core.management.base import BaseCommand

from portal.core.dbstats import refresh_planner_statistics


class Command(BaseCommand):
    help = "Create (or bring up to date) the demo site, users and data. Safe to run again."

    def add_arguments(self, parser):
        parser.add_argument(
            "--appointments", type=int, default=None,
            help="Size of the synthetic appointment history for analytics (default: a small demo).",
        )

    def handle(self, *args, **options):
        # Wagtail logs every page it publishes; the demo publishes dozens. Keep the output readable.
        logging.getLogger("wagtail").setLevel(logging.WARNING)
        started = time.monotonic()
        modules = []
        for config in apps.get_app_configs():
            module_name = f"{config.name}.demo"
            if importlib.util.find_spec(module_name) is None:
                continue
            module = importlib.import_module(module_name)
            modules.append((config, module))
            self.stdout.write(self.style.MIGRATE_HEADING(f"{config.verbose_name}:"))
            module.seed(stdout=self.stdout, style=self.style, options=options)
        for config, module in modules:
            if hasattr(module, "seed_after"):
                self.stdout.write(self.style.MIGRATE_HEADING(f"{config.verbose_name} (after the rest):"))
                module.seed_after(stdout=self.stdout, style=self.style, options=options)
        refresh_planner_statistics()  # after the bulk load: SQLite plans from them (portal.core.dbstats)
        self.stdout.write(self.style.SUCCESS(f"Demo ready in {time.monotonic() - started:.1f}s."))

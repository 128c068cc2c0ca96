from django.apps import AppConfig
from django.db.models.signals import post_migrate


def create_cache_tables(sender, using="default", **kwargs):
    """`migrate` also makes the database cache's table (idempotent), so no extra deploy step is needed."""
    from django.conf import settings
    from django.core.management import call_command

    if any(c.get("BACKEND") == "django.core.cache.backends.db.DatabaseCache" for c in settings.CACHES.values()):
        call_command("createcachetable", database=using, verbosity=0)


def refresh_statistics(sender, using="default", **kwargs):
    """After `migrate` (an upgrade may have added indexes or loaded data): the planner's statistics."""
    from portal.core.dbstats import refresh_planner_statistics

    refresh_planner_statistics(using)


class CoreConfig(AppConfig):
    name = "portal.core"
    label = "core"
    verbose_name = "Core"

    def ready(self) -> None:
        from django_q.signals import post_execute

        from portal.core import checks  # noqa: F401 - registers the deploy checks
        from portal.core.observability import report_task_failure

        post_migrate.connect(create_cache_tables, sender=self, dispatch_uid="core.create_cache_tables")
        post_migrate.connect(refresh_statistics, sender=self, dispatch_uid="core.refresh_statistics")

        from portal.core import practice, registry, signals

        practice.connect()
        signals.opening_hours_changed.connect(registry.opening_hours_memo.changed, dispatch_uid="core.opening_hours")
        post_execute.connect(report_task_failure, dispatch_uid="core.report_task_failure")

from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "portal.core"
    label = "core"
    verbose_name = "Core"

    def ready(self) -> None:
        from django_q.signals import post_execute

        from portal.core.observability import report_task_failure

        post_execute.connect(report_task_failure, dispatch_uid="core.report_task_failure")

from django.apps import AppConfig


class AnalyticsConfig(AppConfig):
    name = "analytics"
    label = "analytics"
    verbose_name = "Analytics"

    def ready(self) -> None:
        from django.db.models.signals import post_migrate

        from analytics import rules  # noqa: F401  (registers the permission rules)
        from analytics.panels import key_figures_panel
        from analytics.sql import ensure_day_index
        from analytics.summary import connect as connect_summary
        from portal.accounts.roles import Role
        from portal.core.registry import dashboard_panel, nav_link

        nav_link("Analytics", "analytics:dashboard", roles={Role.MANAGER}, order=80)
        dashboard_panel("analytics/panels/key_figures.html", roles={Role.MANAGER}, order=20,
                        context=key_figures_panel)
        connect_summary()  # the daily summary tables follow every appointment and payment
        post_migrate.connect(ensure_day_index, sender=self, dispatch_uid="analytics_day_index")

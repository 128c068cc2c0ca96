from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "portal.notifications"
    label = "notifications"
    verbose_name = "Notifications"

    def ready(self) -> None:
        from django.db.models.signals import post_migrate

        from portal.accounts.roles import Role
        from portal.core.registry import appointment_panel, nav_link
        from portal.notifications import receivers, rules  # noqa: F401 (connects receivers, registers rules)
        from portal.notifications.selectors import delivery_log_panel

        nav_link("Notifications", "notifications:preferences", roles={Role.PATIENT}, order=80)
        appointment_panel("notifications/panels/delivery_log.html", order=80, context=delivery_log_panel)
        post_migrate.connect(receivers.ensure_schedule_after_migrate, sender=self)

        from anymail.signals import tracking

        tracking.connect(receivers.on_email_tracking, dispatch_uid="notifications.email_tracking")

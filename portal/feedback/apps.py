from django.apps import AppConfig


class FeedbackConfig(AppConfig):
    name = "portal.feedback"
    label = "feedback"
    verbose_name = "Feedback"

    def ready(self) -> None:
        from portal.accounts.roles import Role
        from portal.core.registry import appointment_panel, dashboard_panel, nav_link
        from portal.feedback import panels, rules  # noqa: F401 (registers the rules)

        nav_link("Feedback", "feedback:list", roles={Role.MANAGER, Role.RECEPTION}, order=80)
        dashboard_panel("feedback/panels/summary.html", roles={Role.MANAGER, Role.RECEPTION}, order=80,
                        context=panels.summary_panel)
        appointment_panel("feedback/panels/appointment_feedback.html", order=60, context=panels.appointment_feedback)

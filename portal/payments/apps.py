from django.apps import AppConfig


class PaymentsConfig(AppConfig):
    name = "portal.payments"
    label = "payments"
    verbose_name = "Payments"

    def ready(self) -> None:
        from portal.accounts.roles import Role
        from portal.core import signals
        from portal.core.registry import appointment_panel, dashboard_panel, nav_link
        from portal.payments import receivers, rules  # noqa: F401 (registers the rules)
        from portal.payments.panels import appointment_panel_context, dashboard_context

        nav_link("Payments", "payments:list", roles={Role.PATIENT, Role.RECEPTION, Role.MANAGER}, order=60)
        appointment_panel("payments/panels/appointment.html", order=30, context=appointment_panel_context)
        dashboard_panel("payments/panels/dashboard_balances.html", roles={Role.PATIENT}, order=40,
                        context=dashboard_context)
        signals.appointment_cancelled.connect(receivers.on_appointment_cancelled,
                                              dispatch_uid="payments.refund_on_cancel")

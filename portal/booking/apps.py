from django.apps import AppConfig


class BookingConfig(AppConfig):
    name = "portal.booking"
    label = "booking"
    verbose_name = "Booking"

    def ready(self) -> None:
        from portal.accounts.roles import Role
        from portal.booking import panels, rules
        from portal.core.registry import dashboard_panel, nav_link

        nav_link("Book a scan", "booking:book", roles={Role.PATIENT}, order=10)
        nav_link("My appointments", "booking:list", roles={Role.PATIENT}, order=20)
        nav_link("Worklist", "booking:worklist", roles=rules.WORKLIST_ROLES, order=10)
        dashboard_panel("booking/panels/next_appointment.html", roles={Role.PATIENT}, order=10,
                        context=panels.patient_panel)
        dashboard_panel("booking/panels/today.html", roles=rules.WORKLIST_ROLES, order=10, context=panels.staff_panel)

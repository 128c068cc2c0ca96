from django.apps import AppConfig


class BookingConfig(AppConfig):
    name = "portal.booking"
    label = "booking"
    verbose_name = "Booking"

    def ready(self) -> None:
        from django.db.models.signals import post_delete, post_save

        from portal.accounts.roles import Role
        from portal.booking import hours, panels, rules
        from portal.booking.models import OpeningHours, Room
        from portal.core import signals
        from portal.core.registry import dashboard_panel, nav_link, opening_hours_source

        opening_hours_source(hours.practice_hours_lines)

        def hours_changed(sender, **kwargs) -> None:
            signals.opening_hours_changed.send(sender=sender)

        for model in (OpeningHours, Room):
            post_save.connect(hours_changed, sender=model, dispatch_uid=f"booking_hours_saved_{model.__name__}")
            post_delete.connect(hours_changed, sender=model, dispatch_uid=f"booking_hours_deleted_{model.__name__}")

        nav_link("Book a scan", "booking:book", roles={Role.PATIENT}, order=10)
        nav_link("My appointments", "booking:list", roles={Role.PATIENT}, order=20)
        nav_link("Worklist", "booking:worklist", roles=rules.WORKLIST_ROLES, order=10)
        dashboard_panel("booking/panels/next_appointment.html", roles={Role.PATIENT}, order=10,
                        context=panels.patient_panel)
        dashboard_panel("booking/panels/today.html", roles=rules.WORKLIST_ROLES, order=10, context=panels.staff_panel)

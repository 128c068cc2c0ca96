from django.apps import AppConfig


class BookingConfig(AppConfig):
    name = "portal.booking"
    label = "booking"
    verbose_name = "Booking"

    def ready(self) -> None:
        from django.db.models.signals import post_delete, post_init, post_save

        from portal.accounts.permissions import can
        from portal.accounts.roles import CLINICAL_STAFF_ROLES, Role
        from portal.booking import closures, hours, panels, rules  # noqa: F401  (registers the rules)
        from portal.booking.models import Closure, OpeningHours, Room
        from portal.core import signals
        from portal.core.registry import dashboard_panel, nav_link, opening_hours_source

        opening_hours_source(hours.practice_hours_lines)

        def hours_changed(sender, **kwargs) -> None:
            signals.opening_hours_changed.send(sender=sender)

        def closure_loaded(sender, instance, **kwargs) -> None:
            instance._saved_range = (instance.room_id, instance.start_date, instance.end_date)

        def closure_saved(sender, instance, created, **kwargs) -> None:
            before = getattr(instance, "_saved_range", None)
            if not created and before is not None:
                for room_id, first, last in closures.lifted(before, (instance.room_id, instance.start_date,
                                                                     instance.end_date)):
                    signals.send_on_commit(signals.closure_lifted, sender=Closure, room_id=room_id,
                                           first_day=first, last_day=last)
            closure_loaded(sender, instance)

        def closure_deleted(sender, instance, **kwargs) -> None:
            signals.send_on_commit(signals.closure_lifted, sender=Closure, room_id=instance.room_id,
                                   first_day=instance.start_date, last_day=instance.end_date)

        post_init.connect(closure_loaded, sender=Closure, dispatch_uid="booking_closure_loaded", weak=False)
        post_save.connect(closure_saved, sender=Closure, dispatch_uid="booking_closure_saved", weak=False)
        post_delete.connect(closure_deleted, sender=Closure, dispatch_uid="booking_closure_deleted", weak=False)

        for model in (OpeningHours, Room):
            post_save.connect(hours_changed, sender=model, dispatch_uid=f"booking_hours_saved_{model.__name__}",
                              weak=False)
            post_delete.connect(hours_changed, sender=model, dispatch_uid=f"booking_hours_deleted_{model.__name__}",
                                weak=False)

        nav_link("Book a scan", "booking:book", roles={Role.PATIENT}, order=10)
        nav_link("My appointments", "booking:list", roles={Role.PATIENT}, order=20)
        # The nav shows a role's links; the permission keeps the link beside what the rule answers.
        nav_link("Worklist", "booking:worklist", roles=CLINICAL_STAFF_ROLES, order=10,
                 permission=lambda user: can(user, "booking.view_worklist"))
        dashboard_panel("booking/panels/next_appointment.html", roles={Role.PATIENT}, order=10,
                        context=panels.patient_panel)
        dashboard_panel("booking/panels/today.html", roles=CLINICAL_STAFF_ROLES, order=10,
                        context=panels.staff_panel)

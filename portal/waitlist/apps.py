from django.apps import AppConfig


class WaitlistConfig(AppConfig):
    name = "portal.waitlist"
    label = "waitlist"
    verbose_name = "Waitlist"

    def ready(self) -> None:
        from django.db.models.signals import post_migrate

        from portal.accounts.roles import CLINICAL_STAFF_ROLES, Role
        from portal.core.registry import appointment_panel, nav_link
        from portal.waitlist import panels, receivers, rules

        appointment_panel("waitlist/panels/earlier.html", order=80, context=panels.earlier_panel)
        nav_link("Waitlist", "waitlist:mine", roles={Role.PATIENT}, order=25)
        nav_link("Waitlist", "waitlist:staff", roles=CLINICAL_STAFF_ROLES, order=15,
                 permission=lambda user: rules.can_manage(user))
        post_migrate.connect(receivers.ensure_schedule_after_migrate, sender=self)

from django.apps import AppConfig


class ImagingConfig(AppConfig):
    name = "portal.imaging"
    label = "imaging"
    verbose_name = "Imaging"

    def ready(self) -> None:
        from django.db.models.signals import post_migrate

        from portal.accounts.roles import Role
        from portal.core.registry import appointment_panel, nav_link
        from portal.imaging import panels, rules
        from portal.imaging.tasks import ensure_schedule_after_migrate

        nav_link("Unmatched studies", "imaging:reconcile", roles={Role.RECEPTION, Role.RADIOGRAPHER, Role.MANAGER},
                 order=60, permission=rules.may_reconcile)
        appointment_panel("imaging/_panel.html", order=45, context=panels.appointment_images)
        post_migrate.connect(ensure_schedule_after_migrate, sender=self, dispatch_uid="imaging.schedule")

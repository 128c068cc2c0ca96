from django.apps import AppConfig


class ReportsConfig(AppConfig):
    name = "portal.reports"
    label = "reports"
    verbose_name = "Reports"

    def ready(self) -> None:
        from django.db.models.signals import post_migrate

        from portal.accounts.permissions import is_verified_doctor
        from portal.accounts.roles import Role
        from portal.core.registry import appointment_panel, dashboard_panel, nav_link
        from portal.reports import checks, panels, rules  # noqa: F401 (registers the rules and checks)
        from portal.reports.critical import ensure_escalation_schedule_after_migrate

        nav_link("Reporting worklist", "reports:worklist", roles={Role.RADIOLOGIST}, order=30)
        nav_link("My reports", "reports:mine", roles={Role.PATIENT}, order=40)
        nav_link("My referrals", "doctor:referrals", roles={Role.REFERRING_DOCTOR}, order=20,
                 permission=is_verified_doctor)
        dashboard_panel("reports/panels/worklist.html", roles={Role.RADIOLOGIST}, order=20,
                        context=panels.worklist_panel)
        dashboard_panel("reports/panels/my_reports.html", roles={Role.PATIENT}, order=40,
                        context=panels.patient_reports_panel)
        dashboard_panel("referrals/doctor/panels/my_referrals.html", roles={Role.REFERRING_DOCTOR}, order=20,
                        context=panels.doctor_referrals_panel)
        appointment_panel("reports/panels/appointment_report.html", order=5, context=panels.appointment_report)
        post_migrate.connect(ensure_escalation_schedule_after_migrate, sender=self)

from django.apps import AppConfig


class ReferralsConfig(AppConfig):
    name = "portal.referrals"
    label = "referrals"
    verbose_name = "Referrals"

    def ready(self) -> None:
        from allauth.account.signals import password_reset

        from portal.booking.steps import Step, register_step
        from portal.core.registry import appointment_panel
        from portal.referrals import doctor_services, panels, rules  # noqa: F401 - registers the rules

        register_step(Step(
            "referral", "Referral", "referrals:book_referral", 50,
            needed=lambda scan: scan.needs_referral,
            done=lambda state: bool(state.get("referral_id")),
            on_booked=panels.attach_on_booked,
            valid=panels.referral_valid,
        ))
        appointment_panel("referrals/panels/appointment_referrals.html", order=20,
                          context=panels.appointment_panel_context)
        # An invited patient who sets a password from the emailed link has proven their address.
        password_reset.connect(doctor_services.on_password_reset, dispatch_uid="invited_patient_confirm_email")

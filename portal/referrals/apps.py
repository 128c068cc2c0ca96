from django.apps import AppConfig


class ReferralsConfig(AppConfig):
    name = "portal.referrals"
    label = "referrals"
    verbose_name = "Referrals"

    def ready(self) -> None:
        from portal.booking.wizard import Step, register_step
        from portal.core.registry import appointment_panel
        from portal.referrals import panels, rules  # noqa: F401 - registers the rules

        register_step(Step(
            "referral", "Referral", "referrals:book_referral", 50,
            needed=lambda scan: scan.needs_referral,
            done=lambda state: bool(state.get("referral_id")),
            on_booked=panels.attach_on_booked,
            valid=panels.referral_valid,
        ))
        appointment_panel("referrals/panels/appointment_referrals.html", order=20,
                          context=panels.appointment_panel_context)

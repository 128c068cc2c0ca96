from django.apps import AppConfig


class ReferralsConfig(AppConfig):
    name = "portal.referrals"
    label = "referrals"
    verbose_name = "Referrals"

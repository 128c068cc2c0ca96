from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "portal.accounts"
    label = "accounts"
    verbose_name = "Accounts"

    def ready(self) -> None:
        from portal.accounts import backends, proxy, receivers  # noqa: F401 - they register themselves
        from portal.accounts.roles import STAFF_ROLES, Role
        from portal.core.registry import nav_link

        backends.connect()

        nav_link("Approvals", "accounts:doctor_approvals", roles={Role.MANAGER, Role.RECEPTION}, order=90)
        nav_link("Family", "accounts:family", roles={Role.PATIENT}, order=80,
                 permission=lambda user: not proxy.is_dependant_account(user))
        nav_link("Django admin", "admin:index", roles=STAFF_ROLES, order=99, permission=lambda user: user.is_superuser)

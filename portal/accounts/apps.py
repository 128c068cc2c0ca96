from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "portal.accounts"
    label = "accounts"
    verbose_name = "Accounts"

    def ready(self) -> None:
        from portal.accounts import receivers  # noqa: F401
        from portal.accounts.roles import STAFF_ROLES, Role
        from portal.core.registry import nav_link

        nav_link("Approvals", "accounts:doctor_approvals", roles={Role.MANAGER, Role.RECEPTION}, order=90)
        nav_link("Django admin", "admin:index", roles=STAFF_ROLES, order=99, permission=lambda user: user.is_superuser)

from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "portal.accounts"
    label = "accounts"
    verbose_name = "Accounts"

    def ready(self) -> None:
        from portal.accounts import receivers  # noqa: F401
        from portal.accounts.roles import Role
        from portal.core.registry import nav_link

        nav_link("Approvals", "accounts:doctor_approvals", roles={Role.MANAGER, Role.RECEPTION}, order=90)

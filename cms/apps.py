from django.apps import AppConfig


class CmsConfig(AppConfig):
    name = "cms"
    label = "cms"
    verbose_name = "Public site"

    def ready(self) -> None:
        from cms import menu, signals
        from portal.accounts.roles import Role
        from portal.core.registry import dashboard_panel, nav_link

        signals.connect()
        menu.connect()
        # Marketing editors (and managers) edit the public site in Wagtail: their way in.
        nav_link("Website editor", "wagtailadmin_home", roles={Role.MARKETING_EDITOR, Role.MANAGER}, order=85)
        dashboard_panel("cms/panels/editor.html", roles={Role.MARKETING_EDITOR}, order=5)

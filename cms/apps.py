from django.apps import AppConfig


class CmsConfig(AppConfig):
    name = "cms"
    label = "cms"
    verbose_name = "Public site"

    def ready(self) -> None:
        from cms import signals

        signals.connect()

from django.apps import AppConfig


class LangConfig(AppConfig):
    name = "onestop.lang"
    label = "lang"
    verbose_name = "蒙汉双语"

    def ready(self) -> None:
        from . import catalog

        catalog.install()

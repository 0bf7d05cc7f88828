from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "onestop.core"
    label = "core"
    verbose_name = "平台"

    def ready(self) -> None:
        from django.db.models import CharField, IntegerField

        from .bulk import AnyOf

        CharField.register_lookup(AnyOf)
        IntegerField.register_lookup(AnyOf)

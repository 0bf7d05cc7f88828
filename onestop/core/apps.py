from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "onestop.core"
    label = "core"
    verbose_name = "平台"

    def ready(self) -> None:
        from django.db.models import CharField, ForeignKey, IntegerField

        from .bulk import AnyOf

        for field in (CharField, IntegerField, ForeignKey):
            field.register_lookup(AnyOf)

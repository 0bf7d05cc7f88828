from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "onestop.core"
    label = "core"
    verbose_name = "平台"

    def ready(self) -> None:
        from django.db.backends.signals import connection_created
        from django.db.models import CharField, ForeignKey, IntegerField

        from .bulk import AnyOf
        from .replica import watch_replica_connection

        for field in (CharField, IntegerField, ForeignKey):
            field.register_lookup(AnyOf)
        connection_created.connect(watch_replica_connection)

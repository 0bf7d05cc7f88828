from django.apps import AppConfig


class DeliveryConfig(AppConfig):
    name = "onestop.delivery"
    label = "delivery"
    verbose_name = "结果送达"

    def ready(self) -> None:
        from onestop.cases.kernel import when_concluded

        from .services import handover_prepare

        when_concluded(handover_prepare)

from django.apps import AppConfig


class DeliveryConfig(AppConfig):
    name = "onestop.delivery"
    label = "delivery"
    verbose_name = "结果送达"

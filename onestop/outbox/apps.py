from django.apps import AppConfig


class OutboxConfig(AppConfig):
    name = "onestop.outbox"
    label = "outbox"
    verbose_name = "事件订阅与推送"

from django.apps import AppConfig


class NoticesConfig(AppConfig):
    name = "onestop.notices"
    label = "notices"
    verbose_name = "通知"

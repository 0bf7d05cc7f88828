from django.apps import AppConfig


class DemoConfig(AppConfig):
    """Demo data at the top of the layers: it may import any app, and no app imports it."""

    name = "onestop.demo"
    label = "demo"
    verbose_name = "演示数据"

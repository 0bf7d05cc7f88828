from django.apps import AppConfig


class ExchangeConfig(AppConfig):
    name = "onestop.exchange"
    label = "exchange"
    verbose_name = "数据共享与接口"

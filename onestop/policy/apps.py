from django.apps import AppConfig


class PolicyConfig(AppConfig):
    name = "onestop.policy"
    label = "policy"
    verbose_name = "政策与工作日历"

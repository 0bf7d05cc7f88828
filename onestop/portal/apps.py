from django.apps import AppConfig


class PortalConfig(AppConfig):
    name = "onestop.portal"
    label = "portal"
    verbose_name = "网上申办"

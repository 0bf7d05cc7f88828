from django.apps import AppConfig


class BenefitsConfig(AppConfig):
    name = "onestop.benefits"
    label = "benefits"
    verbose_name = "待遇发放"

    def ready(self) -> None:
        from onestop.cases.kernel import when_decided

        from .entitlements import entitlement_from_decision

        when_decided(entitlement_from_decision)

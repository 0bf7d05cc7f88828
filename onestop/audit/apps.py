from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "onestop.audit"
    label = "audit"
    verbose_name = "审计日志"

    def ready(self) -> None:
        from .macs import audit_keys

        audit_keys()  # a missing or weak key stops start-up, not the first audited write

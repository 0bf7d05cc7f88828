"""Department systems: their API keys and the answers kept for idempotent retries.

The events they are sent, and their webhook subscriptions, are in ``onestop.outbox``."""

from django.conf import settings
from django.db import models


class ApiKey(models.Model):
    """A department system's key, bound to one org unit through its own service account.

    Only a hash is stored; the key is shown once, when it is made."""

    name = models.CharField("系统名称", max_length=100)
    account = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="api_key"
    )
    prefix = models.CharField("前缀", max_length=12, unique=True)
    key_hash = models.CharField(max_length=64)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    last_used_at = models.DateTimeField("最近使用", null=True, blank=True)
    revoked_at = models.DateTimeField("停用时间", null=True, blank=True)

    class Meta:
        verbose_name = "接口密钥"
        verbose_name_plural = "接口密钥"

    def __str__(self) -> str:
        return f"{self.name}（{self.prefix}…）"


class IdempotentRequest(models.Model):
    """The answer given to a write, kept so a retry with the same Idempotency-Key gets it again.

    The answer holds personal data, so it is kept encrypted under the PII key, and only for
    ``settings.IDEMPOTENCY_HOURS``."""

    api_key = models.ForeignKey(ApiKey, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=100)
    request_hash = models.CharField(max_length=64)
    status = models.PositiveSmallIntegerField()
    body_cipher = models.TextField(editable=False)
    created_at = models.DateTimeField(db_index=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["api_key", "key"], name="idempotent_once_per_key")
        ]

    def __str__(self) -> str:
        return self.key

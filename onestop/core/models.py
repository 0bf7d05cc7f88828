from django.db import models


class RateCounter(models.Model):
    """One fixed window of one rate limit, shared by every process when there is no Redis."""

    bucket = models.CharField(primary_key=True, max_length=200)
    hits = models.PositiveIntegerField(default=0)
    expires = models.BigIntegerField(db_index=True)  # epoch seconds: raw SQL writes it

    class Meta:
        verbose_name = "限流计数"
        verbose_name_plural = verbose_name

    def __str__(self) -> str:
        return f"{self.bucket}: {self.hits}"


class Lease(models.Model):
    """Who runs a background task now, and until when (used when there is no Redis)."""

    name = models.CharField(max_length=200, primary_key=True)
    holder = models.CharField(max_length=32)
    expires_at = models.DateTimeField()

    class Meta:
        verbose_name = "任务租约"
        verbose_name_plural = "任务租约"

    def __str__(self) -> str:
        return self.name

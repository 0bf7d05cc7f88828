from django.db import models


class SmsMessage(models.Model):
    """Every text message the platform sends, whatever the provider (the default backend only
    records it here and in the log, for local use)."""

    phone = models.CharField("手机号码", max_length=11, db_index=True)
    text = models.CharField("内容", max_length=500)
    purpose = models.CharField("用途", max_length=32)
    backend = models.CharField("发送通道", max_length=32)
    created_at = models.DateTimeField("时间", auto_now_add=True)
    sent = models.BooleanField("已发送", default=False)
    error = models.CharField("失败原因", max_length=200, blank=True)

    class Meta:
        verbose_name = "短信"
        verbose_name_plural = "短信"
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.phone[:3]}****{self.phone[-4:]} {self.purpose}"

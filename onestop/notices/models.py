from django.db import models

# Mongolian and Chinese side by side.
TEXT_LENGTH = 1000


class SmsMessage(models.Model):
    """Every text message the platform sends, whatever the provider (the default backend only
    records it here and in the log, for local use)."""

    phone = models.CharField("手机号码", max_length=11, db_index=True)
    text = models.CharField("内容", max_length=TEXT_LENGTH)
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


class Notice(models.Model):
    """One message to one recipient on one channel; the applicant's inbox is the portal."""

    class Channel(models.TextChoices):
        SMS = "sms", "短信"
        INBOX = "inbox", "站内信"
        VOICE = "voice", "电话告知（由窗口拨打）"
        LARGE_PRINT = "large_print", "大字版纸质告知"

    class Status(models.TextChoices):
        PENDING = "pending", "待发送"
        SENT = "sent", "已发送"
        FAILED = "failed", "发送失败"

    event = models.CharField("事由", max_length=32)
    channel = models.CharField("渠道", max_length=16, choices=Channel.choices)
    person = models.ForeignKey(
        "people.Person", null=True, blank=True, on_delete=models.PROTECT, related_name="notices"
    )
    phone = models.CharField("手机号码", max_length=11, blank=True)
    unit = models.ForeignKey(
        "regions.OrgUnit", null=True, blank=True, on_delete=models.PROTECT, related_name="notices"
    )
    application = models.ForeignKey(
        "cases.Application", null=True, blank=True, on_delete=models.PROTECT, related_name="notices"
    )
    to_guardian = models.BooleanField("抄送监护人或代理人", default=False)
    text = models.CharField("内容", max_length=TEXT_LENGTH)
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    error = models.CharField(max_length=200, blank=True)
    # A worker sending the text holds it until then; one that dies leaves it to the next.
    lease_until = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField("时间")
    read_at = models.DateTimeField("已读时间", null=True, blank=True)

    class Meta:
        verbose_name = "通知"
        verbose_name_plural = "通知"
        indexes = [
            models.Index(fields=["status", "channel"]),
            models.Index(fields=["unit", "read_at"]),
            models.Index(fields=["person", "created_at"]),
        ]

    def __str__(self) -> str:
        return f"{self.get_channel_display()} {self.event}"

"""Results delivered once (「最好送一次」): all of an application's results in one hand-over."""

from django.conf import settings
from django.db import models


class Handover(models.Model):
    class Method(models.TextChoices):
        PICKUP = "pickup", "窗口自取"
        POST = "post", "邮政寄送"

    class Status(models.TextChoices):
        READY = "ready", "已备好，待领取或寄出"
        POSTED = "posted", "已寄出"
        DELIVERED = "delivered", "已送达"
        RETURNED = "returned", "邮件退回"

    application = models.ForeignKey(
        "cases.Application", on_delete=models.PROTECT, related_name="handovers"
    )
    matters = models.ManyToManyField("cases.Matter", related_name="handovers")
    early = models.BooleanField("应申请人要求提前送达", default=False)
    method = models.CharField("方式", max_length=8, choices=Method.choices)
    status = models.CharField("状态", max_length=12, choices=Status.choices, default=Status.READY)
    pickup_code_hash = models.CharField(max_length=64, blank=True)
    address = models.CharField("邮寄地址", max_length=200, blank=True)
    tracking_no = models.CharField("邮件号", max_length=40, blank=True)
    handed_over_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField("备好时间")
    delivered_at = models.DateTimeField("送达时间", null=True, blank=True)

    class Meta:
        verbose_name = "结果送达"
        verbose_name_plural = "结果送达"

    def __str__(self) -> str:
        return f"{self.get_method_display()} {self.get_status_display()}"

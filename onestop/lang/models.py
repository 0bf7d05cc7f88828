from django.conf import settings
from django.db import models


class Phrase(models.Model):
    """A translation corrected or confirmed by a reviewer: it overrides the shipped catalog
    (``catalog/mn_Mong.po``), whose entries all await native review until a row here says
    otherwise. Keyed by a digest of the message id, which may be longer than an index allows."""

    class State(models.TextChoices):
        AWAITING = "awaiting", "待母语审校"
        REVIEWED = "reviewed", "已审校"

    key = models.CharField(max_length=64, unique=True)
    msgid = models.TextField("原文")
    text = models.TextField("蒙古文译文")
    state = models.CharField("审校状态", max_length=12, choices=State.choices)
    updated_at = models.DateTimeField("更新时间")
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, verbose_name="审校人"
    )

    class Meta:
        verbose_name = "译文"
        verbose_name_plural = "译文"

    def __str__(self) -> str:
        return self.msgid[:40]

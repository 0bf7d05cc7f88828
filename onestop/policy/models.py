from django.conf import settings
from django.db import models


class HolidayNotice(models.Model):
    """A State Council holiday notice for one year, as loaded by an administrator."""

    year = models.PositiveSmallIntegerField("年份", unique=True)
    papers = models.JSONField("通知来源", default=list)
    loaded_at = models.DateTimeField("导入时间", auto_now=True)
    loaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="导入人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    class Meta:
        verbose_name = "节假日安排"
        verbose_name_plural = "节假日安排"
        ordering = ["-year"]

    def __str__(self) -> str:
        return f"{self.year} 年节假日安排"


class HolidayDay(models.Model):
    notice = models.ForeignKey(HolidayNotice, on_delete=models.CASCADE, related_name="days")
    date = models.DateField("日期", unique=True)
    is_off = models.BooleanField("放假")
    name = models.CharField("节日", max_length=32, blank=True)

    class Meta:
        verbose_name = "节假日调整"
        verbose_name_plural = "节假日调整"
        ordering = ["date"]

    def __str__(self) -> str:
        return f"{self.date} {'放假' if self.is_off else '上班'}"

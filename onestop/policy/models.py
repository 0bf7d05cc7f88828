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


class RuleParameter(models.Model):
    """One rule parameter's value for a region's subtree over a date range (see parameters.py)."""

    key = models.CharField("参数", max_length=64)
    region = models.ForeignKey(
        "regions.Region", verbose_name="适用区划", on_delete=models.PROTECT, related_name="+"
    )
    valid_from = models.DateField("起始日期")
    valid_to = models.DateField("截止日期", null=True, blank=True, help_text="留空表示长期有效")
    value = models.JSONField("取值")
    example = models.BooleanField(
        "示例值", default=False, help_text="示例值没有政策出处，须按本地文件替换"
    )
    note = models.CharField("依据或说明", max_length=200, blank=True)
    updated_at = models.DateTimeField("修改时间", auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="修改人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    class Meta:
        verbose_name = "政策参数"
        verbose_name_plural = "政策参数"
        ordering = ["key", "region__lft", "valid_from"]
        indexes = [models.Index(fields=["key", "region", "valid_from"])]

    def __str__(self) -> str:
        return f"{self.key} @ {self.region_id} {self.valid_from}"


class ProactiveFinding(models.Model):
    """免申即享: a matter the registry shows a person qualifies for but does not receive."""

    class Status(models.TextChoices):
        OPEN = "open", "待处理"
        CLOSED = "closed", "已不符合"

    person = models.ForeignKey(
        "people.Person", on_delete=models.PROTECT, related_name="proactive_findings"
    )
    matter = models.CharField("事项", max_length=16)
    status = models.CharField(
        "状态", max_length=8, choices=Status.choices, default=Status.OPEN, db_index=True
    )
    first_found = models.DateField("首次发现")
    last_found = models.DateField("最近确认")
    amount = models.DecimalField("金额", max_digits=10, decimal_places=2, null=True)
    unit = models.CharField("单位", max_length=8, blank=True)

    class Meta:
        verbose_name = "免申即享线索"
        verbose_name_plural = "免申即享线索"
        constraints = [
            models.UniqueConstraint(fields=["person", "matter"], name="finding_person_matter")
        ]

    def __str__(self) -> str:
        return f"{self.person_id} {self.matter}"

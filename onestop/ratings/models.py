"""政务服务好差评 (国办发〔2019〕51号): a rating per application and per matter; 差评 are
answered, rectified within a deadline, and the applicant can rate the rectification."""

from django.conf import settings
from django.db import models


class Level(models.IntegerChoices):
    VERY_SATISFIED = 5, "非常满意"
    SATISFIED = 4, "满意"
    FAIR = 3, "基本满意"
    DISSATISFIED = 2, "不满意"
    VERY_DISSATISFIED = 1, "非常不满意"


NEGATIVE = (Level.DISSATISFIED, Level.VERY_DISSATISFIED)


class Rating(models.Model):
    class Channel(models.TextChoices):
        PORTAL = "portal", "网上"
        WINDOW = "window", "窗口（一次一评）"

    class FollowUp(models.TextChoices):
        NONE = "", "无需跟进"
        OPEN = "open", "待回访整改"
        CALLED = "called", "已回访"
        ANSWERED = "answered", "已回复申请人"
        APPEALED = "appealed", "单位申诉中"
        WITHDRAWN = "withdrawn", "申诉成立，不计入统计"

    application = models.ForeignKey(
        "cases.Application", on_delete=models.PROTECT, related_name="ratings"
    )
    matter = models.ForeignKey(
        "cases.Matter", null=True, blank=True, on_delete=models.PROTECT, related_name="ratings"
    )
    level = models.PositiveSmallIntegerField("评价", choices=Level.choices)
    comment = models.CharField("意见", max_length=500, blank=True)
    rated_by_phone = models.CharField(max_length=11, blank=True)
    channel = models.CharField(
        "渠道", max_length=8, choices=Channel.choices, default=Channel.PORTAL
    )
    created_at = models.DateTimeField("评价时间")
    # Who the rating is about: the unit (and step) that caused it.
    unit = models.ForeignKey(
        "regions.OrgUnit", null=True, on_delete=models.PROTECT, related_name="ratings"
    )
    step = models.ForeignKey(
        "cases.Step", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    # Units a 差评 of the whole application names in its comment (医保, 护理补贴...): they see it
    # and may follow it up beside the window, which still answers for it in the figures.
    named_units = models.ManyToManyField(
        "regions.OrgUnit",
        blank=True,
        related_name="named_in_ratings",
        verbose_name="意见提到的单位",
    )
    # 差评 follow-up: call back, verify and rectify, answer; the unit may appeal a malicious or
    # mistaken rating, which the supervisor decides.
    followup = models.CharField(
        "跟进", max_length=12, choices=FollowUp.choices, blank=True, db_index=True
    )
    followup_due = models.DateField("跟进期限", null=True, blank=True)
    called_at = models.DateTimeField("回访时间", null=True, blank=True)
    call_note = models.CharField("回访和核实情况", max_length=500, blank=True)
    appeal_reason = models.CharField("申诉理由", max_length=500, blank=True)
    appeal_decision = models.CharField("申诉处理意见", max_length=500, blank=True)
    # The answer to a 差评, and the applicant's rating of the rectification.
    answer = models.TextField("回复和整改情况", blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    answered_at = models.DateTimeField(null=True, blank=True)
    rectify_by = models.DateField("整改期限", null=True, blank=True)
    rectification_level = models.PositiveSmallIntegerField(
        "对整改的评价", choices=Level.choices, null=True, blank=True
    )

    class Meta:
        verbose_name = "评价"
        verbose_name_plural = "评价"
        constraints = [
            # Online: one rating of the application as a whole, and one per matter; at the
            # window, one per visit.
            models.UniqueConstraint(
                fields=["application"],
                condition=models.Q(matter__isnull=True, channel="portal"),
                name="rating_once_per_application",
            ),
            models.UniqueConstraint(fields=["matter"], name="rating_once_per_matter"),
        ]

    def __str__(self) -> str:
        return self.get_level_display()

    @property
    def is_negative(self) -> bool:
        return self.level in NEGATIVE

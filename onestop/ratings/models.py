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
    application = models.ForeignKey(
        "cases.Application", on_delete=models.PROTECT, related_name="ratings"
    )
    matter = models.ForeignKey(
        "cases.Matter", null=True, blank=True, on_delete=models.PROTECT, related_name="ratings"
    )
    level = models.PositiveSmallIntegerField("评价", choices=Level.choices)
    comment = models.CharField("意见", max_length=500, blank=True)
    rated_by_phone = models.CharField(max_length=11)
    created_at = models.DateTimeField("评价时间")
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
            # One rating of the application as a whole, and one per matter.
            models.UniqueConstraint(
                fields=["application"],
                condition=models.Q(matter__isnull=True),
                name="rating_once_per_application",
            ),
            models.UniqueConstraint(fields=["matter"], name="rating_once_per_matter"),
        ]

    def __str__(self) -> str:
        return self.get_level_display()

    @property
    def is_negative(self) -> bool:
        return self.level in NEGATIVE

"""Daily figures per 旗县, built from the cases by ``reports.services.figures_rebuild`` (every
quarter hour for the last days, nightly for the month), so report pages read a few thousand rows
instead of a million matters. Each figure is counted on the day its event happened.

Each daily table has a monthly twin with the same columns (``day`` is the month's first day),
summed from the days whenever they are rebuilt: a report over a year reads twelve months of
rows, not 365 days of them, so its cost stays flat however busy the days get."""

from typing import Any

from django.db import models


class ApplicationFigures(models.Model):
    day = models.DateField()
    county = models.ForeignKey("regions.Region", on_delete=models.CASCADE, related_name="+")
    channel = models.CharField(max_length=12)
    submitted = models.PositiveIntegerField(default=0)
    accepted = models.PositiveIntegerField(default=0)
    concluded = models.PositiveIntegerField(default=0)
    delivered = models.PositiveIntegerField(default=0)
    # 最多跑一次: in-person trips of the applications delivered that day.
    trips_0 = models.PositiveIntegerField(default=0)
    trips_1 = models.PositiveIntegerField(default=0)
    trips_more = models.PositiveIntegerField(default=0)

    KEYS = ("county_id", "channel")
    SUMS = ("submitted", "accepted", "concluded", "delivered", "trips_0", "trips_1", "trips_more")

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return f"{self.day} {self.county_id} {self.channel}"


class ApplicationDay(ApplicationFigures):
    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["day", "county", "channel"], name="appday_once")
        ]
        indexes = [models.Index(fields=["county", "day"])]


class ApplicationMonth(ApplicationFigures):
    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["day", "county", "channel"], name="appmonth_once")
        ]
        indexes = [models.Index(fields=["county", "day"], name="appmonth_county_day")]


class MatterFigures(models.Model):
    day = models.DateField()
    county = models.ForeignKey("regions.Region", on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=16)
    submitted = models.PositiveIntegerField(default=0)
    approved = models.PositiveIntegerField(default=0)
    rejected = models.PositiveIntegerField(default=0)

    KEYS = ("county_id", "kind")
    SUMS = ("submitted", "approved", "rejected")

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return f"{self.day} {self.county_id} {self.kind}"


class MatterDay(MatterFigures):
    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["day", "county", "kind"], name="matterday_once")
        ]
        indexes = [models.Index(fields=["county", "day"])]


class MatterMonth(MatterFigures):
    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["day", "county", "kind"], name="mattermonth_once")
        ]
        indexes = [models.Index(fields=["county", "day"], name="mattermonth_county_day")]


class StepFigures(models.Model):
    """Steps decided that day at a unit that took ``days`` working days (60 stands for 60 or
    more), and how many of them by their due date. Summing over days gives a histogram, from
    which median and p90 are exact, since working days are whole numbers."""

    day = models.DateField()
    county = models.ForeignKey("regions.Region", on_delete=models.CASCADE, related_name="+")
    unit = models.ForeignKey("regions.OrgUnit", on_delete=models.CASCADE, related_name="+")
    step = models.CharField(max_length=64)
    days = models.PositiveSmallIntegerField()
    decided = models.PositiveIntegerField(default=0)
    on_time = models.PositiveIntegerField(default=0)

    KEYS = ("county_id", "unit_id", "step", "days")
    SUMS = ("decided", "on_time")

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return f"{self.day} {self.unit_id} {self.step}"


class StepDay(StepFigures):
    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["day", "county", "unit", "step", "days"], name="stepday_once"
            )
        ]
        indexes = [models.Index(fields=["county", "day"])]


class StepMonth(StepFigures):
    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["day", "county", "unit", "step", "days"], name="stepmonth_once"
            )
        ]
        indexes = [models.Index(fields=["county", "day"], name="stepmonth_county_day")]


class RatingFigures(models.Model):
    day = models.DateField()
    county = models.ForeignKey("regions.Region", on_delete=models.CASCADE, related_name="+")
    unit = models.ForeignKey(
        "regions.OrgUnit", null=True, on_delete=models.CASCADE, related_name="+"
    )
    rated = models.PositiveIntegerField(default=0)
    good = models.PositiveIntegerField(default=0)  # 非常满意, 满意
    bad = models.PositiveIntegerField(default=0)  # 不满意, 非常不满意

    KEYS = ("county_id", "unit_id")
    SUMS = ("rated", "good", "bad")

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return f"{self.day} {self.county_id} {self.unit_id}"


class RatingDay(RatingFigures):
    class Meta:
        indexes = [models.Index(fields=["county", "day"])]


class RatingMonth(RatingFigures):
    class Meta:
        indexes = [models.Index(fields=["county", "day"], name="ratingmonth_county_day")]


# The monthly twin of each daily table (typed loosely: the pairs share columns, not a base).
MONTHS: dict[type[models.Model], Any] = {
    ApplicationDay: ApplicationMonth,
    MatterDay: MatterMonth,
    StepDay: StepMonth,
    RatingDay: RatingMonth,
}


class FiguresBuilt(models.Model):
    """When the figures were last counted (one row): every number on a report is as of then."""

    built_at = models.DateTimeField()
    day_from = models.DateField()
    day_to = models.DateField()

    def __str__(self) -> str:
        return f"{self.built_at:%Y-%m-%d %H:%M}"

"""Administrative divisions (GB/T 2260 plus township codes) and the org units that work in them.

The tree is stored as nested sets (``lft``/``rgt``): a region's whole subtree is one indexed
range query, and "is X inside Y" is two integer comparisons.
"""

from django.db import models

from .enums import Department, Level

__all__ = ["Department", "Level", "OrgUnit", "Region"]


class Region(models.Model):
    code = models.CharField("区划代码", max_length=12, primary_key=True)
    name = models.CharField("名称", max_length=64)
    level = models.CharField("层级", max_length=16, choices=Level.choices)
    parent = models.ForeignKey(
        "self",
        verbose_name="上级",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    lft = models.PositiveIntegerField(db_index=True, editable=False)
    rgt = models.PositiveIntegerField(editable=False)

    class Meta:
        verbose_name = "行政区划"
        verbose_name_plural = "行政区划"
        ordering = ["lft"]

    def __str__(self) -> str:
        return self.name

    def contains(self, other: "Region") -> bool:
        return self.lft <= other.lft <= self.rgt

    def subtree(self) -> "models.QuerySet[Region]":
        return Region.objects.filter(lft__gte=self.lft, lft__lte=self.rgt)

    def ancestors(self) -> "models.QuerySet[Region]":
        """From the root down to this region, itself included."""
        return Region.objects.filter(lft__lte=self.lft, rgt__gte=self.rgt).order_by("lft")

    def full_name(self) -> str:
        return "".join(r.name for r in self.ancestors() if r.level != Level.PROVINCE)


class OrgUnit(models.Model):
    """A department in a region: the unit a staff user belongs to and work is routed to."""

    code = models.CharField("单位代码", max_length=24, unique=True)
    name = models.CharField("单位名称", max_length=128)
    department = models.CharField("部门", max_length=16, choices=Department.choices)
    region = models.ForeignKey(
        Region, verbose_name="所在区划", on_delete=models.PROTECT, related_name="units"
    )
    # Where applicants come: shown wherever a result is to be picked up (the 残联 window).
    address = models.CharField("办公地址", max_length=200, blank=True)
    opening_hours = models.CharField("办公时间", max_length=100, blank=True)
    # The public's 咨询电话; held by a county's 残联 unit, which runs the 一件事 window.
    hotline = models.CharField("咨询电话", max_length=32, blank=True)

    class Meta:
        verbose_name = "单位"
        verbose_name_plural = "单位"
        constraints = [
            models.UniqueConstraint(fields=["department", "region"], name="orgunit_dept_region")
        ]
        ordering = ["region__lft", "department"]

    def __str__(self) -> str:
        return self.name

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.db import models

from onestop.core.language import READING_LANGUAGES
from onestop.regions.models import Region

from .roles import ROLES_REVEALING_ID, Role


class StaffUser(AbstractUser):
    """A staff member: one role, one org unit; sees only the unit's region subtree."""

    display_name = models.CharField("姓名", max_length=64)
    role = models.CharField("角色", max_length=32, choices=Role.choices)
    org_unit = models.ForeignKey(
        "regions.OrgUnit",
        verbose_name="所属单位",
        on_delete=models.PROTECT,
        related_name="staff",
        null=True,
    )
    failed_login_count = models.PositiveSmallIntegerField("连续登录失败次数", default=0)
    locked_until = models.DateTimeField("锁定至", null=True, blank=True)
    # The language of their pages, chosen with the switch on any page ("" is Chinese).
    language = models.CharField("界面语言", max_length=8, blank=True, choices=READING_LANGUAGES)

    REQUIRED_FIELDS = ["display_name"]

    class Meta:
        verbose_name = "工作人员"
        verbose_name_plural = "工作人员"

    def __str__(self) -> str:
        return f"{self.display_name}（{self.username}）"

    @property
    def scope(self) -> Region | None:
        """The region whose subtree this user may see."""
        return self.org_unit.region if self.org_unit is not None else None

    @property
    def department(self) -> str | None:
        return self.org_unit.department if self.org_unit is not None else None

    @property
    def can_reveal_id(self) -> bool:
        return self.role in ROLES_REVEALING_ID

    @property
    def sees_payments(self) -> bool:
        """Prepares or approves payment rolls (the roles are settings)."""
        return self.role in (*settings.BENEFITS_PREPARE_ROLES, *settings.BENEFITS_APPROVE_ROLES)

    @property
    def is_admin_role(self) -> bool:
        return self.role == Role.ADMIN and self.is_active

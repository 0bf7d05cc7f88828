"""Staff roles: which department and level each belongs to, and what each may do."""

from django.db import models

from onestop.regions.models import Department, Level


class Role(models.TextChoices):
    WINDOW_CLERK = "window_clerk", "窗口受理员"
    CDPF_REVIEWER = "cdpf_reviewer", "残联审核员"
    TOWNSHIP_CIVIL = "township_civil", "乡镇民政审核员"
    COUNTY_CIVIL = "county_civil", "县民政审批员"
    MEDICAL_OFFICER = "medical_officer", "医保经办员"
    HRSS_OFFICER = "hrss_officer", "人社经办员"
    SUPERVISOR = "supervisor", "政务服务监督员"
    DEPARTMENT_HEAD = "department_head", "部门负责人"
    ADMIN = "admin", "系统管理员"


# The department officers who act on steps (as opposed to the window, supervisors and admins).
OFFICER_ROLES = frozenset(
    {
        Role.CDPF_REVIEWER,
        Role.TOWNSHIP_CIVIL,
        Role.COUNTY_CIVIL,
        Role.MEDICAL_OFFICER,
        Role.HRSS_OFFICER,
    }
)

# (department, allowed levels of the unit); None means any.
ROLE_PLACEMENT: dict[str, tuple[str | None, tuple[str, ...] | None]] = {
    Role.WINDOW_CLERK: (Department.CDPF, (Level.COUNTY,)),
    Role.CDPF_REVIEWER: (Department.CDPF, (Level.COUNTY, Level.CITY, Level.PROVINCE)),
    Role.TOWNSHIP_CIVIL: (Department.CIVIL, (Level.TOWNSHIP,)),
    Role.COUNTY_CIVIL: (Department.CIVIL, (Level.COUNTY,)),
    Role.MEDICAL_OFFICER: (Department.MEDICAL, (Level.COUNTY, Level.CITY, Level.PROVINCE)),
    Role.HRSS_OFFICER: (Department.HRSS, (Level.COUNTY, Level.CITY, Level.PROVINCE)),
    Role.SUPERVISOR: (Department.GOVSERVICE, (Level.COUNTY, Level.CITY, Level.PROVINCE)),
    Role.DEPARTMENT_HEAD: (None, (Level.COUNTY, Level.CITY, Level.PROVINCE)),
    Role.ADMIN: (None, (Level.COUNTY, Level.CITY, Level.PROVINCE)),
}

# Roles that handle a case in person and may need the full ID number (each reveal is audited).
ROLES_REVEALING_ID = frozenset(
    {
        Role.WINDOW_CLERK,
        Role.CDPF_REVIEWER,
        Role.TOWNSHIP_CIVIL,
        Role.COUNTY_CIVIL,
        Role.MEDICAL_OFFICER,
        Role.HRSS_OFFICER,
    }
)


# Roles that read figures, not cases: the reports of their region, and nothing personal.
REPORT_READERS = frozenset({Role.SUPERVISOR, Role.DEPARTMENT_HEAD, Role.ADMIN})


def placement_error(role: str, department: str, level: str) -> str | None:
    """Why a role cannot sit in a unit of this department and level, or None if it can."""
    want_dept, want_levels = ROLE_PLACEMENT[role]
    label = Role(role).label
    if want_dept is not None and department != want_dept:
        return f"{label}只能设在{Department(want_dept).label}部门的单位。"
    if want_levels is not None and level not in want_levels:
        allowed = "、".join(Level(lv).label for lv in want_levels)
        return f"{label}只能设在{allowed}一级的单位。"
    return None

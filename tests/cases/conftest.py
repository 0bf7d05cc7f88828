"""The officers and the applicant the case tests share."""

from datetime import UTC, date, datetime

import pytest

from onestop.accounts.roles import Role
from onestop.people.shared_data import shared_record_upsert

from .. import factories


@pytest.fixture
def staff(db):
    """The Hailar officers of every step, and a 满洲里 officer for scope checks."""
    people = {
        "clerk": (Role.WINDOW_CLERK, "cdpf-150702"),
        "cdpf": (Role.CDPF_REVIEWER, "cdpf-150702"),
        "cdpf2": (Role.CDPF_REVIEWER, "cdpf-150702"),
        "township": (Role.TOWNSHIP_CIVIL, "civil-150702001"),
        "county": (Role.COUNTY_CIVIL, "civil-150702"),
        "medical": (Role.MEDICAL_OFFICER, "medical-150702"),
        "hrss": (Role.HRSS_OFFICER, "hrss-150702"),
        "supervisor": (Role.SUPERVISOR, "gov-150700"),
        "mzl_clerk": (Role.WINDOW_CLERK, "cdpf-150781"),
    }
    return {
        key: factories.staff(f"c_{key}", role, unit, name=f"{key}员")
        for key, (role, unit) in people.items()
    }


@pytest.fixture
def applicant(db):
    """正阳街道, 低保 (urban), no certificate yet, and what the shared data knows."""
    person = factories.person(
        "150702001",
        name="其木格",
        birth=date(1975, 3, 3),
        dibao_category="urban",
        address="正阳街道8号",
    )
    as_of = datetime(2026, 1, 1, tzinfo=UTC)
    for fact, value in {
        "resident_medical": True,
        "long_term_care": True,
        "work_injury_nursing": False,
        "employee_pension": False,
        "student": False,
        "orphan_support": False,
        "resident_pension": False,
    }.items():
        shared_record_upsert(
            actor=None, person=person, fact=fact, value=value, source="测试", source_time=as_of
        )
    return person

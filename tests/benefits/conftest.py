"""A 海拉尔区 person on 低保 approved for the living subsidy, and the officers of the payments."""

from datetime import date

import pytest

from onestop.accounts.roles import Role
from onestop.benefits.models import Entitlement, Kind
from onestop.benefits.services import payee_account_set
from onestop.regions.models import Region

from .. import factories
from ..cases.helpers import at, decide, submit


@pytest.fixture
def staff(db):
    people = {
        "clerk": (Role.WINDOW_CLERK, "cdpf-150702"),
        "township": (Role.TOWNSHIP_CIVIL, "civil-150702001"),
        "cdpf": (Role.CDPF_REVIEWER, "cdpf-150702"),
        "county": (Role.COUNTY_CIVIL, "civil-150702"),
        "county2": (Role.COUNTY_CIVIL, "civil-150702"),
        "head": (Role.DEPARTMENT_HEAD, "civil-150702"),
        "mzl": (Role.COUNTY_CIVIL, "civil-150781"),
        "medical": (Role.MEDICAL_OFFICER, "medical-150702"),
        "medical2": (Role.MEDICAL_OFFICER, "medical-150702"),
        "hrss": (Role.HRSS_OFFICER, "hrss-150702"),
    }
    return {
        key: factories.staff(f"b_{key}", role, unit, name=f"{key}员")
        for key, (role, unit) in people.items()
    }


@pytest.fixture
def hailar(db) -> Region:
    return Region.objects.get(code="150702")


def approved_living(staff, applied: date, approved: date, **kw) -> Entitlement:
    """Applied for the living subsidy on ``applied`` and approved on ``approved``."""
    person = factories.certified_person(dibao_category="urban", **kw)
    with at(applied):
        payee_account_set(
            actor=None,
            person=person,
            bank="农业银行海拉尔支行",
            holder=person.name,
            number="6228480000000000017",
        )
    app = submit(staff, person, matters=["LIVING"], day=applied, answers={})
    decide(staff["township"], app, "LIVING", approved)
    decide(staff["cdpf"], app, "LIVING", approved)
    decide(staff["county"], app, "LIVING", approved)
    return Entitlement.objects.get(person=person, kind=Kind.LIVING)

"""Test data builders: real services, valid numbers."""

import itertools
from datetime import date

from onestop.accounts.services import staff_user_create
from onestop.people.identifiers import check_digit
from onestop.people.services import person_register
from onestop.regions.models import OrgUnit

PASSWORD = "Test-password-2026"
_seq = itertools.count(1)


def id_number(
    county: str = "150702", birth: date = date(1960, 5, 1), seq: int | None = None
) -> str:
    seq = next(_seq) % 1000 if seq is None else seq
    first17 = f"{county}{birth:%Y%m%d}{seq:03d}"
    return first17 + check_digit(first17)


def staff(username: str, role: str, unit_code: str, password: str = PASSWORD, name: str = "测试员"):
    return staff_user_create(
        actor=None,
        username=username,
        display_name=name,
        role=role,
        org_unit=OrgUnit.objects.get(code=unit_code),
        password=password,
    )


def person(
    township: str = "150702001",
    name: str = "张三",
    birth: date = date(1960, 5, 1),
    actor=None,
    **kw,
):
    number = kw.pop("id_number", None) or id_number(township[:6], birth)
    return person_register(
        actor=actor, name=name, id_number=number, hukou_region_code=township, **kw
    )

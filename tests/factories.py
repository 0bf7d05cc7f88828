"""Test data builders: real services, valid numbers."""

import itertools
from datetime import UTC, date, datetime

from onestop.accounts.services import staff_user_create
from onestop.people.identifiers import check_digit
from onestop.people.services import certificate_record, person_register, shared_record_upsert
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


def certified_person(
    township: str = "150702001", *, fact: str = "long_term_care", source: str = "测试", **kw
):
    """A person with a 肢体一级 certificate and one shared fact held true (by default 长期照护,
    which with 低保 makes them eligible for both subsidies)."""
    p = person(township, **kw)
    certificate_record(actor=None, person=p, number=p.id_number + "41", issue_date=date(2024, 1, 5))
    shared_record_upsert(
        actor=None,
        person=p,
        fact=fact,
        value=True,
        source=source,
        source_time=datetime(2026, 1, 1, tzinfo=UTC),
    )
    return p

"""Test data builders: real services, valid numbers."""

import itertools
from datetime import UTC, date, datetime

from onestop.accounts.services import staff_user_create
from onestop.cases.acceptance import application_accept
from onestop.cases.chains import Outcome
from onestop.cases.intake import application_submit
from onestop.cases.models import Application, Step
from onestop.cases.steps import Decision, step_decide
from onestop.people.identifiers import check_digit
from onestop.people.services import certificate_record, person_register
from onestop.people.shared_data import shared_record_upsert
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


def holder(township: str = "150702001", *, certificate: str = "41", **kw):
    """A person holding a 残疾人证 (``certificate``: category and level, by default 肢体一级)."""
    p = person(township, **kw)
    certificate_record(
        actor=None, person=p, number=p.id_number + certificate, issue_date=date(2024, 1, 5)
    )
    return p


def certified_person(
    township: str = "150702001", *, fact: str = "long_term_care", source: str = "测试", **kw
):
    """A person with a 肢体一级 certificate and one shared fact held true (by default 长期照护,
    which with 低保 makes them eligible for both subsidies)."""
    p = holder(township, **kw)
    shared_record_upsert(
        actor=None,
        person=p,
        fact=fact,
        value=True,
        source=source,
        source_time=datetime(2026, 1, 1, tzinfo=UTC),
    )
    return p


def application_accepted(
    clerk, applicant, *, matters=("PENSION",), online: bool = False, **kw
) -> Application:
    """Submitted at the window by ``clerk`` (or ``online`` by the applicant) and accepted by it."""
    app = application_submit(
        actor=None if online else clerk,
        channel="online" if online else "window",
        applicant=applicant,
        matters=list(matters),
        delivery=kw.pop("delivery", "pickup"),
        consent_given=True,
        sensitive_consent_given=True,
        **kw,
    )
    return application_accept(actor=clerk, application=app)


def application_concluded(clerk, officers: dict, applicant, **kw) -> Application:
    """Accepted, then every step approved by the officer of its role (``officers``: role to
    user) until the application concludes."""
    app = application_accepted(clerk, applicant, **kw)
    while step := Step.objects.filter(matter__application=app, status="active").first():
        step_decide(actor=officers[step.role], step=step, decision=Decision(Outcome.APPROVE))
    app.refresh_from_db()
    return app

"""Receiving an application: submit, consent, representatives, one open matter of a kind."""

from datetime import date

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from onestop.audit.models import AuditAction, AuditEvent
from onestop.cases.acceptance import application_withdraw
from onestop.cases.errors import AlreadyOpen, CaseError
from onestop.cases.intake import application_submit
from onestop.cases.materials import MaterialIn
from onestop.cases.models import Application, Material, Matter
from onestop.people.services import certificate_record, guardian_add
from onestop.regions.models import Region

from .. import factories
from .helpers import at, submit

pytestmark = pytest.mark.django_db


def test_retrying_a_submit_with_the_same_key_creates_one_application(staff, applicant):
    first = submit(staff, applicant, accept=False, idempotency_key="k-123")
    again = submit(staff, applicant, accept=False, idempotency_key="k-123")
    assert first.pk == again.pk
    assert Application.objects.count() == 1
    assert AuditEvent.objects.filter(action=AuditAction.APPLICATION_SUBMIT).count() == 1


def test_a_failure_in_the_middle_of_submit_leaves_nothing(staff):
    # A new township whose civil-affairs office has not been set up yet: routing the subsidy's
    # township step fails after the application and its first matter were written.
    hailar = Region.objects.get(code="150702")
    Region.objects.filter(lft__gt=hailar.lft).update(
        lft=models_f("lft") + 2, rgt=models_f("rgt") + 2
    )
    Region.objects.filter(pk__in=["150000", "150700", "150702"]).update(rgt=models_f("rgt") + 2)
    hailar.refresh_from_db()
    Region.objects.create(
        code="150702999",
        name="新设街道",
        level="township",
        parent=hailar,
        lft=hailar.rgt - 2,
        rgt=hailar.rgt - 1,
    )
    person = factories.person("150702999", name="乌云", birth=date(1980, 1, 1))
    certificate_record(
        actor=None, person=person, number=person.id_number + "11", issue_date=date(2025, 1, 1)
    )
    before = AuditEvent.objects.count()
    with pytest.raises(CaseError, match="新设街道没有设立办理"):
        submit(staff, person, matters=["MEDICAL", "LIVING"], accept=False)
    assert (
        Application.objects.count() == 0
        and Matter.objects.count() == 0
        and Material.objects.count() == 0
    )
    assert AuditEvent.objects.count() == before


def models_f(name):
    from django.db.models import F

    return F(name)


@pytest.mark.parametrize(
    ("kw", "field"),
    [
        (dict(matters=[]), "matters"),
        (dict(matters=["HOUSING"]), "matters"),
        (dict(delivery="post"), "delivery_address"),
        (dict(delivery="fax"), "delivery"),
        (dict(communication_needs=["telepathy"]), "communication_needs"),
        (
            dict(materials=[MaterialIn("photo", content=b"GIF89a....", filename="x.gif")]),
            "materials",
        ),
        (
            dict(
                materials=[
                    MaterialIn(
                        "photo", content=b"%PDF-" + b"0" * (10 * 1024 * 1024), filename="big.pdf"
                    )
                ]
            ),
            "materials",
        ),
        (
            dict(answers={"medical_bills": [{"day": "2026-02-30", "policy_self_pay": "1"}]}),
            "medical_bills",
        ),
    ],
)
def test_bad_intake_is_refused_whole(staff, applicant, kw, field):
    with pytest.raises(ValidationError) as info:
        submit(staff, applicant, accept=False, **kw)
    assert field in info.value.message_dict
    assert Application.objects.count() == 0 and Material.objects.count() == 0


def test_consent_is_required_and_recorded_with_its_version(staff, applicant):
    with at(date(2026, 11, 2)), pytest.raises(ValidationError, match="敏感个人信息"):
        application_submit(
            actor=staff["clerk"],
            channel="window",
            applicant=applicant,
            matters=["CERT"],
            delivery="pickup",
            consent_given=True,
            sensitive_consent_given=False,
        )
    app = submit(staff, applicant, matters=["CERT"], accept=False)
    assert app.consent_version == "2026.1" and app.consent_at and app.sensitive_consent_at


def test_a_guardian_acts_within_scope_and_time(staff, applicant):
    agent = guardian_add(
        actor=None,
        person=applicant,
        kind="agent",
        name="巴图",
        id_number=factories.id_number(birth=date(1985, 1, 1)),
        relation="儿子",
        phone="13900000000",
    )
    with pytest.raises(ValidationError, match="授权期限"):
        submit(
            staff,
            applicant,
            matters=["CERT"],
            accept=False,
            representative=agent,
            authority_scope=["apply"],
        )
    app = submit(
        staff,
        applicant,
        matters=["CERT"],
        accept=False,
        representative=agent,
        authority_scope=["apply", "receive"],
        authority_until=date(2027, 6, 30),
    )
    assert app.representative == agent and app.authority_scope == ["apply", "receive"]


def test_a_clerk_cannot_take_an_application_from_another_county(staff, applicant):
    with pytest.raises(PermissionDenied), at(date(2026, 11, 2)):
        application_submit(
            actor=staff["mzl_clerk"],
            channel="window",
            applicant=applicant,
            matters=["CERT"],
            delivery="pickup",
            consent_given=True,
            sensitive_consent_given=True,
        )


# --- one open matter of a kind per person -------------------------------------------------------


def test_a_second_open_matter_of_the_same_kind_is_refused_whatever_the_channel(staff, applicant):
    first = submit(staff, applicant, matters=["PENSION", "LIVING"])
    for channel, actor in (("window", staff["clerk"]), ("online", None)):
        with pytest.raises(AlreadyOpen) as refused:
            submit(staff, applicant, matters=["LIVING", "MEDICAL"], channel=channel, actor=actor)
        assert str(refused.value) == (
            f"已有在办申请（受理编号 {first.tracking_no}）："
            "困难残疾人生活补贴正在办理，不能重复申请。"
        )
        assert refused.value.application == first
    assert Application.objects.count() == 1 and Material.objects.count() == 1


def test_other_matters_and_matters_no_longer_open_may_be_applied_for(staff, applicant):
    pension = submit(staff, applicant, matters=["PENSION"])
    medical = submit(staff, applicant, matters=["MEDICAL"])  # a different matter: its own case
    assert medical.pk != pension.pk
    with at(date(2026, 10, 9)):
        application_withdraw(actor=None, application=pension, reason="不需要了")
    again = submit(staff, applicant, matters=["PENSION"], day=date(2026, 10, 9))
    assert again.matters.get().kind == "PENSION"


def test_a_retried_submission_returns_the_first_application_not_a_refusal(staff, applicant):
    first = submit(staff, applicant, matters=["PENSION"], idempotency_key="form-abc")
    again = submit(staff, applicant, matters=["PENSION"], idempotency_key="form-abc")
    assert again.pk == first.pk and Application.objects.count() == 1

"""An officer's work on a step: each outcome, its reasons, who may act, conflicts, and the supplement."""

from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from onestop.audit.models import AuditAction, AuditEvent
from onestop.cases.chains import DEFAULT_CHAINS, Outcome
from onestop.cases.errors import Conflict
from onestop.cases.materials import MaterialIn
from onestop.cases.models import Material, Matter, Step
from onestop.cases.steps import Decision, matter_supply, step_assign, step_claim, step_decide
from onestop.people.services import certificate_record
from onestop.policy import calendar
from onestop.regions.models import OrgUnit

from .helpers import PNG, active, at, decide, matter, submit

pytestmark = pytest.mark.django_db


def _officer(staff, step: Step):
    return next(u for u in staff.values() if u.org_unit_id == step.unit_id and u.role == step.role)


def _walk_to(staff, app, kind, index, day):
    """Approve the steps of a matter until step ``index`` is active."""
    while active(app, kind).index < index:
        step = active(app, kind)
        decide(_officer(staff, step), app, kind, day, category=4, level=2)


CASES = [
    (kind, i, outcome)
    for kind, chain in DEFAULT_CHAINS.items()
    for i, step in enumerate(chain.steps)
    for outcome in step.outcomes
]


@pytest.mark.parametrize(
    ("kind", "index", "outcome"), CASES, ids=[f"{k}-{i}-{o}" for k, i, o in CASES]
)
def test_each_outcome_of_each_step(staff, applicant, kind, index, outcome):
    if kind in ("LIVING", "NURSING", "PENSION"):
        certificate_record(
            actor=None,
            person=applicant,
            number=applicant.id_number + "41",
            issue_date=date(2025, 1, 1),
        )
    app = submit(staff, applicant, matters=[kind])
    day = date(2026, 11, 2)
    _walk_to(staff, app, kind, index, day)
    step = active(app, kind)
    user = _officer(staff, step)
    chain = DEFAULT_CHAINS[kind]
    extra = {}
    if outcome == Outcome.APPROVE and chain.steps[index].records == "assessment":
        extra = {"category": 5, "level": 2}
    if outcome == Outcome.REJECT:
        extra = {"reason": "经核实不符合条件"}
    if outcome == Outcome.RETURN:
        extra = {"missing_materials": ("近期免冠照片",)}
    if outcome == Outcome.TRANSFER:
        other = (
            OrgUnit.objects.filter(
                department=step.unit.department, region__parent=step.unit.region.parent
            )
            .exclude(pk=step.unit_id)
            .first()
        )
        extra = {"reason": "户籍已迁至本旗他处", "transfer_to": other}
    decide(user, app, kind, day, outcome, **extra)
    m = matter(app, kind)
    if outcome == Outcome.APPROVE:
        if index + 1 < len(chain.steps):
            assert active(app, kind).index == index + 1
        else:
            assert m.status == Matter.Status.APPROVED
    elif outcome == Outcome.REJECT:
        assert m.status == Matter.Status.REJECTED and m.result["reason"] == "经核实不符合条件"
        assert not Step.objects.filter(matter=m, status=Step.Status.ACTIVE).exists()
    elif outcome == Outcome.RETURN:
        assert m.status == Matter.Status.SUPPLEMENT and m.paused_on == day
        assert Step.objects.get(matter=m, outcome="return").missing_materials == ["近期免冠照片"]
    else:
        new = active(app, kind)
        assert (
            new.unit == extra["transfer_to"]
            and new.due_date == step.due_date
            and new.index == index
        )


def test_refusals_and_returns_need_their_reasons(staff, applicant):
    app = submit(staff, applicant, matters=["MEDICAL"])
    with pytest.raises(ValidationError, match="理由"):
        decide(staff["medical"], app, "MEDICAL", date(2026, 10, 9), Outcome.REJECT)
    with pytest.raises(ValidationError, match="补正的材料"):
        decide(staff["medical"], app, "MEDICAL", date(2026, 10, 9), Outcome.RETURN)
    with pytest.raises(ValidationError, match="调整理由"):
        decide(staff["medical"], app, "MEDICAL", date(2026, 10, 9), amount=Decimal("2500"))
    step = decide(
        staff["medical"],
        app,
        "MEDICAL",
        date(2026, 10, 9),
        amount=Decimal("2500"),
        reason="另有住院票据",
    )
    assert step.data == {
        "amount": "2500.00",
        "unit": "元",
        "calculated": "2100.00",
        "adjusted": True,
    }


def test_only_the_routed_unit_and_role_may_act(staff, applicant):
    app = submit(staff, applicant, matters=["LIVING"], answers={})
    # No certificate and none applied for: LIVING goes straight to the township (and will be
    # refused there on the facts); a county officer cannot act on the township's step.
    with pytest.raises(PermissionDenied):
        decide(staff["county"], app, "LIVING", date(2026, 10, 9))
    with pytest.raises(PermissionDenied):
        decide(staff["mzl_clerk"], app, "LIVING", date(2026, 10, 9))


def test_return_for_supplement_stops_the_clock_for_exactly_the_days_waited(staff, applicant):
    certificate_record(
        actor=None, person=applicant, number=applicant.id_number + "41", issue_date=date(2025, 1, 1)
    )
    app = submit(staff, applicant, matters=["LIVING"], day=date(2026, 11, 2))
    m = matter(app, "LIVING")
    before_matter, before_step = m.due_date, active(app, "LIVING").due_date
    decide(
        staff["township"],
        app,
        "LIVING",
        date(2026, 11, 3),
        Outcome.RETURN,
        missing_materials=("低保证明",),
    )
    assert matter(app, "LIVING").status == Matter.Status.SUPPLEMENT
    returned = Step.objects.get(matter=m, outcome="return")
    with at(date(2026, 11, 4)), pytest.raises(Conflict, match="退回补正"):
        step_decide(actor=staff["township"], step=returned, decision=Decision(Outcome.APPROVE))
    with at(date(2026, 11, 10)):  # Tuesday a week later: 5 working days (4, 5, 6, 9, 10)
        matter_supply(
            actor=staff["clerk"],
            matter=m,
            materials=[MaterialIn("dibao_proof", content=PNG, filename="a.png")],
            in_person=True,
        )
    m.refresh_from_db()
    stopped = calendar.working_days_between(date(2026, 11, 3), date(2026, 11, 10))
    assert stopped == 5 and m.paused_days == 5
    assert m.due_date == calendar.add_working_days(before_matter, 5)
    new = active(app, "LIVING")
    assert (
        new.due_date == calendar.add_working_days(before_step, 5)
        and new.unit.name == "正阳街道民政办"
    )
    app.refresh_from_db()
    assert app.trips == 2 and app.due_date == m.due_date
    assert Material.objects.get(code="dibao_proof").supplied_for.outcome == "return"


def test_claim_conflicts_are_told_plainly(staff, applicant):
    app = submit(staff, applicant, matters=["CERT"])
    step = active(app, "CERT")
    step_claim(actor=staff["cdpf"], step=step)
    with pytest.raises(Conflict, match="cdpf员认领"):
        step_claim(actor=staff["cdpf2"], step=step)
    with pytest.raises(Conflict, match="已由cdpf员认领"):
        decide(staff["cdpf2"], app, "CERT", date(2026, 10, 9))
    step_assign(actor=staff["cdpf"], step=step, assignee=staff["cdpf2"])
    decide(staff["cdpf2"], app, "CERT", date(2026, 10, 9))


def test_a_repeated_decision_is_not_applied_twice(staff, applicant):
    app = submit(staff, applicant, matters=["PENSION"], answers={})
    step = active(app, "PENSION")
    with at(date(2026, 10, 9)):
        step_decide(actor=staff["hrss"], step=step, decision=Decision(Outcome.APPROVE))
        step_decide(actor=staff["hrss"], step=step, decision=Decision(Outcome.APPROVE))
    assert Step.objects.filter(matter__application=app).count() == 2
    assert AuditEvent.objects.filter(action=AuditAction.STEP_DECIDE).count() == 1

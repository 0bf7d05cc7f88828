"""The case's three state machines, every pair of states: each allowed change, and every other
change refused with a sentence a clerk can read. The expected changes are written out here
independently of the tables, so a change to a table has to be made twice, on purpose."""

import itertools

import pytest

from onestop.cases import workflow
from onestop.cases.errors import CaseError
from onestop.cases.models import Application, Matter, Step
from onestop.cases.workflow import APPLICATION, MATTER, STEP, move, move_all

A, M, S = Application.Status, Matter.Status, Step.Status
NEW = None  # the creation of a row

ALLOWED = {
    APPLICATION: {
        (NEW, A.SUBMITTED),  # 窗口或网上提交
        (NEW, A.PENDING_CONFIRMATION),  # 免申即享: waits for the person's confirmation
        (A.PENDING_CONFIRMATION, A.SUBMITTED),  # confirmed
        (A.PENDING_CONFIRMATION, A.WITHDRAWN),
        (A.SUBMITTED, A.IN_PROGRESS),  # 受理
        (A.SUBMITTED, A.REFUSED),  # 不予受理
        (A.SUBMITTED, A.WITHDRAWN),
        (A.IN_PROGRESS, A.WITHDRAWN),  # before any decision (checked by the action)
        (A.IN_PROGRESS, A.CONCLUDED),  # every matter decided
        (A.CONCLUDED, A.DELIVERED),  # every result handed over
    },
    MATTER: {
        (NEW, M.PENDING),
        (M.PENDING, M.IN_PROGRESS),  # dispatched at acceptance
        (M.PENDING, M.WAITING_CERT),  # needs the certificate applied for alongside
        (M.PENDING, M.WITHDRAWN),  # application refused or withdrawn
        (M.IN_PROGRESS, M.SUPPLEMENT),  # 退回补正
        (M.IN_PROGRESS, M.APPROVED),
        (M.IN_PROGRESS, M.REJECTED),
        (M.IN_PROGRESS, M.WITHDRAWN),
        (M.WAITING_CERT, M.IN_PROGRESS),  # certificate issued
        (M.WAITING_CERT, M.REJECTED),  # certificate refused
        (M.WAITING_CERT, M.WITHDRAWN),
        (M.SUPPLEMENT, M.IN_PROGRESS),  # materials supplied
        (M.SUPPLEMENT, M.WITHDRAWN),
    },
    STEP: {
        (NEW, S.ACTIVE),
        (S.ACTIVE, S.DONE),  # decided
        (S.ACTIVE, S.CANCELLED),  # its matter closed, or the application withdrawn
    },
}


def _pairs():
    for machine in (APPLICATION, MATTER, STEP):
        for source, to in itertools.product([NEW, *machine.statuses.values], machine.statuses):
            yield pytest.param(
                machine, source, to, id=f"{machine.noun}:{source or 'new'}->{to.value}"
            )


@pytest.mark.parametrize(("machine", "source", "to"), list(_pairs()))
def test_every_pair_of_states_is_allowed_or_refused(machine, source, to):
    if (source, to) in ALLOWED[machine]:
        assert machine.allows(source, to)
        assert move(machine, source, to) == to
        return
    assert not machine.allows(source, to)
    with pytest.raises(CaseError) as refused:
        move(machine, source, to)
    said = str(refused.value)
    assert f"“{machine.label(to)}”" in said and machine.noun in said
    if source is not None:
        assert f"当前为“{machine.label(source)}”" in said


@pytest.mark.parametrize("machine", [APPLICATION, MATTER, STEP], ids=lambda m: m.noun)
def test_every_status_is_in_the_table(machine):
    assert set(machine.moves) == {NEW, *machine.statuses.values}


def test_an_action_refuses_in_its_own_words():
    words = "该申请当前状态为“已撤回”，不能受理。"
    with pytest.raises(CaseError) as refused:
        move(APPLICATION, A.WITHDRAWN, A.IN_PROGRESS, refusal=words)
    assert str(refused.value) == words


def test_a_bulk_change_is_refused_if_any_row_may_not_change():
    assert move_all(MATTER, [M.PENDING, M.SUPPLEMENT], M.WITHDRAWN) == M.WITHDRAWN
    with pytest.raises(CaseError, match="已通过"):
        move_all(MATTER, [M.PENDING, M.APPROVED], M.WITHDRAWN)


def test_what_the_screens_ask():
    assert {s for s in A if workflow.is_ratable(s)} == {A.CONCLUDED, A.DELIVERED}
    assert {s for s in A if workflow.can_withdraw(s, decided=False)} == {
        A.PENDING_CONFIRMATION,
        A.SUBMITTED,
        A.IN_PROGRESS,
    }
    assert not any(workflow.can_withdraw(s, decided=True) for s in A)
    assert {s for s in A if workflow.awaits_confirmation(s)} == {A.PENDING_CONFIRMATION}
    assert {s for s in A if workflow.can_deliver(s)} == {A.CONCLUDED}
    assert {s for s in M if workflow.is_open(s)} == {
        M.PENDING,
        M.IN_PROGRESS,
        M.WAITING_CERT,
        M.SUPPLEMENT,
    }
    assert {s for s in M if workflow.is_decided(s)} == {M.APPROVED, M.REJECTED}
    assert {s for s in M if workflow.can_decide(s)} == {M.IN_PROGRESS}
    assert {s for s in M if workflow.can_supply(s)} == {M.SUPPLEMENT}
    assert workflow.all_closed([M.APPROVED, M.REJECTED, M.WITHDRAWN])
    assert not workflow.all_closed([M.APPROVED, M.WAITING_CERT])

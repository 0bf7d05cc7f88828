"""The case's three state machines as data: which status may follow which, and nothing else.

Every status change of an application, a matter or a step asks ``move`` first; the screens and
the other apps ask the predicates below instead of listing statuses themselves. ``None`` as the
source is the creation of a row. Pure: no queries, no writes.
"""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from django.db.models import TextChoices

from .errors import CaseError
from .models import Application, Matter, Step

A, M, S = Application.Status, Matter.Status, Step.Status


@dataclass(frozen=True, eq=False)  # one of each; compared and hashed by identity
class Machine:
    noun: str  # what the refusal calls the thing: 申请, 事项, 环节
    statuses: type[TextChoices]
    moves: Mapping[str | None, frozenset[str]]

    def allows(self, source: str | None, to: str) -> bool:
        return to in self.moves.get(source, frozenset())

    def label(self, status: str) -> str:
        return str(self.statuses(status).label)


APPLICATION = Machine(
    "申请",
    A,
    {
        None: frozenset({A.PENDING_CONFIRMATION, A.SUBMITTED}),
        A.PENDING_CONFIRMATION: frozenset({A.SUBMITTED, A.WITHDRAWN}),
        A.SUBMITTED: frozenset({A.IN_PROGRESS, A.REFUSED, A.WITHDRAWN}),
        A.IN_PROGRESS: frozenset({A.CONCLUDED, A.WITHDRAWN}),
        A.CONCLUDED: frozenset({A.DELIVERED}),
        A.REFUSED: frozenset(),
        A.WITHDRAWN: frozenset(),
        A.DELIVERED: frozenset(),
    },
)

MATTER = Machine(
    "事项",
    M,
    {
        None: frozenset({M.PENDING}),
        M.PENDING: frozenset({M.IN_PROGRESS, M.WAITING_CERT, M.WITHDRAWN}),
        M.IN_PROGRESS: frozenset({M.SUPPLEMENT, M.APPROVED, M.REJECTED, M.WITHDRAWN}),
        M.WAITING_CERT: frozenset({M.IN_PROGRESS, M.REJECTED, M.WITHDRAWN}),
        M.SUPPLEMENT: frozenset({M.IN_PROGRESS, M.WITHDRAWN}),
        M.APPROVED: frozenset(),
        M.REJECTED: frozenset(),
        M.WITHDRAWN: frozenset(),
    },
)

STEP = Machine(
    "环节",
    S,
    {
        None: frozenset({S.ACTIVE}),
        S.ACTIVE: frozenset({S.DONE, S.CANCELLED}),
        S.DONE: frozenset(),
        S.CANCELLED: frozenset(),
    },
)


def move(machine: Machine, source: str | None, to: str, *, refusal: str = "") -> str:
    """The status ``to``, if ``source`` may change to it; otherwise refuse, with ``refusal`` (the
    action's own words) or a plain sentence naming both statuses."""
    if machine.allows(source, to):
        return to
    if refusal:
        raise CaseError(refusal)
    if source is None:
        raise CaseError(f"新的{machine.noun}不能以“{machine.label(to)}”开始。")
    raise CaseError(
        f"该{machine.noun}当前为“{machine.label(source)}”，不能改为“{machine.label(to)}”。"
    )


def move_all(machine: Machine, sources: Iterable[str], to: str, *, refusal: str = "") -> str:
    """``move`` for a set of rows changed by one update: every one of them must be allowed."""
    for source in set(sources):
        move(machine, source, to, refusal=refusal)
    return to


# --- the questions the actions and the screens ask -------------------------------------------
RATABLE = frozenset({A.CONCLUDED, A.DELIVERED})
DECIDED = frozenset({M.APPROVED, M.REJECTED})


def awaits_confirmation(status: str) -> bool:
    """A proactive application the person has not confirmed yet."""
    return status == A.PENDING_CONFIRMATION


def can_withdraw(status: str, *, decided: bool) -> bool:
    """Only before any matter has a decision (``decided``: some step approved or rejected)."""
    return APPLICATION.allows(status, A.WITHDRAWN) and not decided


def is_ratable(status: str) -> bool:
    """好差评 opens once the results are out."""
    return status in RATABLE


def can_deliver(status: str) -> bool:
    return APPLICATION.allows(status, A.DELIVERED)


def is_open(status: str) -> bool:
    """A matter still being worked on, or paused for a certificate or a supplement."""
    return status in Matter.OPEN


def is_decided(status: str) -> bool:
    return status in DECIDED


def all_closed(statuses: Iterable[str]) -> bool:
    """Every matter of an application has ended: the application concludes."""
    return not any(is_open(s) for s in statuses)


def can_decide(status: str) -> bool:
    """A matter's active step can be decided only while the matter's clock runs."""
    return status == M.IN_PROGRESS


def can_supply(status: str) -> bool:
    """A matter returned for supplement takes the missing materials."""
    return status == M.SUPPLEMENT

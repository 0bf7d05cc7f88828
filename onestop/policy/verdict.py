"""What a rule answers (``Assessment``) and how it is formed (``Verdict``): failures and unknown
facts are kept apart, so an unknown fact never produces 符合. ``local``, the 户籍 condition, is
here because every matter asks it, the medical rule's module too."""

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from enum import StrEnum

from .facts import FACT_HOLDERS, FACT_LABELS, Facts
from .matters import Matter
from .reasons import STATIC, Reason, reason


class Outcome(StrEnum):
    ELIGIBLE = "eligible"
    INELIGIBLE = "ineligible"
    PENDING = "pending"

    @property
    def label(self) -> str:
        return OUTCOME_LABELS[self]


OUTCOME_LABELS = {
    Outcome.ELIGIBLE: "符合",
    Outcome.INELIGIBLE: "不符合",
    Outcome.PENDING: "待核实",
}


@dataclass(frozen=True, slots=True)
class Missing:
    fact: str
    label: str
    holder: str


@dataclass(frozen=True, slots=True)
class Amount:
    value: Decimal | None
    unit: str  # "元/月", "元/年", "元"
    first_month: date | None = None  # payments start from the month of application
    year: int | None = None
    detail: str = ""


@dataclass(frozen=True, slots=True)
class Assessment:
    matter: Matter
    outcome: Outcome
    reasons: tuple[Reason, ...]
    missing: tuple[Missing, ...] = ()
    amount: Amount | None = None


@dataclass(slots=True)
class Verdict:
    """Collects a rule's conditions; unknown facts and failures are kept apart."""

    fails: list[Reason] = field(default_factory=list)
    missing: dict[str, None] = field(default_factory=dict)  # ordered set
    notes: list[Reason] = field(default_factory=list)

    def need(self, known: bool | None, failure: Reason | str, *facts: str) -> None:
        if known is False:
            self.fails.append(STATIC[failure] if isinstance(failure, str) else failure)
        elif known is None:
            for f in facts:
                self.missing[f] = None

    def unknown(self, *facts: str) -> None:
        for f in facts:
            self.missing[f] = None

    def fail(self, failure: Reason | str) -> None:
        self.fails.append(STATIC[failure] if isinstance(failure, str) else failure)

    def done(
        self, matter: Matter, ok: str, amount: Amount | None = None, **ok_values: object
    ) -> Assessment:
        """``ok`` is the reason code given when eligible (formatted only then)."""
        if self.fails:
            return Assessment(matter, Outcome.INELIGIBLE, (*self.fails, *self.notes))
        if self.missing:
            missing = tuple(Missing(f, FACT_LABELS[f], FACT_HOLDERS[f]) for f in self.missing)
            return Assessment(matter, Outcome.PENDING, tuple(self.notes), missing, amount)
        ok_reason = reason(ok, **ok_values) if ok_values else STATIC[ok]
        return Assessment(matter, Outcome.ELIGIBLE, (ok_reason, *self.notes), (), amount)


def local(v: Verdict, facts: Facts, region: str) -> None:
    path = facts.hukou_path
    v.need(None if path is None else region in path, "HUKOU.NOT_LOCAL", "hukou_path")

"""The rule of 医疗救助手工报销 and its calculator: who is covered, which bills are paid, and
how much, against the year's deductible and cap; a deceased applicant's family may still claim."""

from dataclasses import dataclass, replace
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from django.utils.translation import gettext_noop

from onestop.core.words import words

from .facts import Bill, Facts, Tekun
from .matters import Matter
from .parameters import RuleParams
from .reasons import CENT, STATIC, Reason, money, reason
from .verdict import Amount, Assessment, Verdict, local


@dataclass(frozen=True, slots=True)
class MedicalClaim:
    """What the medical-aid calculator needs beyond the facts."""

    bills: tuple[Bill, ...] = ()
    paid_this_year: Decimal | None = None  # medical aid already paid this calendar year
    deductible_used_this_year: Decimal | None = None


MEDICAL_GROUPS = {"tekun": "特困人员", "dibao": "低保对象", "marginal": "低保边缘家庭成员"}


def _medical_group(v: Verdict, facts: Facts, params: RuleParams, day: date) -> str | None:
    if facts.tekun is None:
        v.unknown("tekun")
        return None
    if facts.tekun != Tekun.NONE:
        return "tekun"
    dibao = facts.dibao_active_on(day)
    if dibao is None:
        v.unknown("dibao")
        return None
    if dibao:
        return "dibao"
    marginal_covered = bool(params["medical.ratio_marginal"])
    if marginal_covered and facts.dibao_marginal is None:
        v.unknown("dibao_marginal")
        return None
    if marginal_covered and facts.dibao_marginal:
        return "marginal"
    v.fail(
        reason(
            "MEDICAL.NOT_TARGET",
            marginal=gettext_noop("或低保边缘家庭成员") if marginal_covered else "",
        )
    )
    return None


def medical_reimbursement(
    group: str, params: RuleParams, claim: MedicalClaim, day: date
) -> tuple[Amount, list[Reason]]:
    notes: list[Reason] = []
    payable = [b for b in claim.bills if not b.networked]
    skipped = len(claim.bills) - len(payable)
    if skipped:
        notes.append(reason("MEDICAL.SOME_NETWORKED", count=skipped))
    ratio = params[f"medical.ratio_{group}"]
    deductible = params[f"medical.deductible_{group}"]
    cap = params["medical.annual_cap"]
    if ratio is None or deductible is None or cap is None:
        return Amount(None, gettext_noop("元"), year=day.year), notes
    if claim.paid_this_year is None or claim.deductible_used_this_year is None:
        notes.append(STATIC["MEDICAL.LEDGER_ASSUMED"])
    paid = claim.paid_this_year or Decimal(0)
    used = claim.deductible_used_this_year or Decimal(0)
    total = sum((b.policy_self_pay for b in payable), Decimal(0))
    deductible_left = max(Decimal(0), deductible - used)
    base = max(Decimal(0), total - deductible_left)
    cap_left = max(Decimal(0), cap - paid)
    value = min(base * ratio, cap_left).quantize(CENT, ROUND_HALF_UP)
    if cap_left == 0 and base > 0:
        notes.append(STATIC["MEDICAL.CAP_REACHED"])
    detail = (
        f"合规自付费用{money(total)}元，扣除起付标准剩余{money(min(deductible_left, total))}元后"
        f"按{money(ratio * 100)}%救助，本年度剩余限额{money(cap_left)}元，应报销{money(value)}元"
    )
    return Amount(value, gettext_noop("元"), year=day.year, detail=detail), notes


def assess_medical(
    facts: Facts, params: RuleParams, region: str, day: date, claim: MedicalClaim | None = None
) -> Assessment:
    claim = claim or MedicalClaim()
    v = Verdict()
    local(v, facts, region)
    if facts.deceased:
        claim = _before_death(v, facts, claim)
    v.need(facts.resident_medical, "MEDICAL.NOT_INSURED", "resident_medical")
    group = _medical_group(v, facts, params, day)
    amount = None
    if claim.bills and all(b.networked for b in claim.bills):
        v.fail("MEDICAL.ALL_NETWORKED")
    elif not claim.bills:
        v.notes.append(STATIC["MEDICAL.NO_BILLS"])
    elif group is not None:
        amount, notes = medical_reimbursement(group, params, claim, day)
        v.notes.extend(notes)
    return v.done(Matter.MEDICAL, "MEDICAL.OK", amount, group=MEDICAL_GROUPS.get(group or "", ""))


def _before_death(v: Verdict, facts: Facts, claim: MedicalClaim) -> MedicalClaim:
    """A death stops nothing already spent: the family may claim the bills dated up to it, so the
    answer waits for the date of death and the claimant's kinship instead of a plain 符合."""
    died = facts.death_date
    if died is None:
        v.notes.append(
            reason(
                "MEDICAL.DECEASED",
                when=gettext_noop("死亡之日"),
                after=gettext_noop("死亡日期核实后，此后的票据不予报销。"),
            )
        )
        v.unknown("death_date")
    else:
        v.notes.append(
            reason(
                "MEDICAL.DECEASED",
                when=words(gettext_noop("{day}（含当日）"), day=died),
                after=words(gettext_noop("{day}以后的票据不予报销。"), day=died),
            )
        )
        late = [b for b in claim.bills if b.day > died]
        if late:
            v.notes.append(reason("MEDICAL.AFTER_DEATH", count=len(late)))
            claim = replace(claim, bills=tuple(b for b in claim.bills if b.day <= died))
    v.need(facts.claimant_kin, "MEDICAL.NOT_KIN", "claimant_kin")
    return claim

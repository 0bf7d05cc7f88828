"""Eligibility rules of the five matters: pure functions of facts, parameters, region and day.

Each rule answers 符合 / 不符合 / 待核实 with reasons a clerk can read aloud (every text names its
rule in 【】), the facts still needed and who holds them, and the amount where one applies.

How the answer is formed, for every matter alike:
- any condition known to fail                  -> 不符合, with every failing reason;
- otherwise any condition that needs a fact not yet known -> 待核实, listing those facts;
- otherwise                                    -> 符合.
An unknown fact therefore never produces 符合, and adding a disqualifying fact can only move an
answer towards 不符合.
"""

from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum
from typing import Any

from .facts import (
    ALLOWANCE_LABELS,
    FACT_HOLDERS,
    FACT_LABELS,
    LIVING_LIKE,
    NURSING_LIKE,
    Bill,
    Certificate,
    CertStatus,
    Dibao,
    Facts,
    Tekun,
)
from .matters import Matter
from .parameters import SPEC, RuleParams

CENT = Decimal("0.01")
MONTHS = Decimal(12)


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
class Reason:
    code: str
    text: str


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


@dataclass(frozen=True, slots=True)
class MedicalClaim:
    """What the medical-aid calculator needs beyond the facts."""

    bills: tuple[Bill, ...] = ()
    paid_this_year: Decimal | None = None  # medical aid already paid this calendar year
    deductible_used_this_year: Decimal | None = None


# --- reason texts: one catalogue, so every sentence can be reviewed in one place ---------------

R = {
    # shared conditions
    "HUKOU.NOT_LOCAL": "【户籍条件】须为本旗县（市、区）户籍，请到户籍所在地申请。",
    "ALIVE.DECEASED": "【停发条件】申请人已死亡，不能申请。",
    "PRISON.SERVING": "【停发条件】申请人正在服刑，服刑期间不享受。",
    # CERT
    "CERT.OK": "【残疾人证新办】可以申请；须到指定医疗机构进行残疾评定，按评定结果确定残疾类别和等级。",
    "CERT.DEPENDENT": "【联办】本事项需要残疾人证的类别和等级，将在残疾人证核发后自动继续办理。",
    "CERT.RENEW": "【残疾人证换领】原残疾人证已于{until}到期，请办理换领，不用新办；是否需要重新评定残疾类别和等级，由残联告知。",
    "CERT.ALREADY_HELD": "【残疾人证新办】已持有有效的残疾人证，无需新办；换领或等级变更另行办理。",
    # certificate conditions of the other matters
    "HOLDS.NONE": "【持证条件】须持有残疾人证；可同时申请残疾人证新办，发证后自动继续办理。",
    "HOLDS.EXPIRED": "【持证条件】残疾人证已过有效期或已注销，须先换领。",
    "HOLDS.NOT_SECOND_GEN": "【持证条件】须持有第二代残疾人证，请先换领第二代证。",
    # LIVING
    "LIVING.OK": "【困难残疾人生活补贴】符合条件：持证、本地户籍、{basis}。",
    "LIVING.NOT_POOR": "【困难残疾人生活补贴·困难条件】须为{groups}，申请人不在其中。",
    "LIVING.DIBAO_ENDED": "【困难残疾人生活补贴·困难条件】低保已于{until}停止。",
    "LIVING.TEKUN": "【困难残疾人生活补贴·不重复享受】已纳入特困人员救助供养，不再享受生活补贴。",
    "LIVING.ORPHAN": "【困难残疾人生活补贴·不重复享受】已享受孤儿（事实无人抚养儿童）基本生活保障，不再享受生活补贴。",
    "LIVING.HIGHER_HELD": "【困难残疾人生活补贴·择高】已领取{kind}每月{held}元，不低于本补贴每月{own}元，按择高原则不重复发放。",
    "LIVING.CHOOSE_HIGHER": "【困难残疾人生活补贴·择高】本补贴每月{own}元高于已领取的{kind}每月{held}元，批准后改领本补贴、停领{kind}。",
    "LIVING.NOT_INCOME": "【困难残疾人生活补贴】本补贴不计入低保家庭收入。",
    # NURSING
    "NURSING.OK": "【重度残疾人护理补贴】符合条件：{level}、需要长期照护、本地户籍。",
    "NURSING.LEVEL": "【重度残疾人护理补贴·等级条件】须为残疾等级一级或二级{extension}，申请人为{level}。",
    "NURSING.NO_CARE_NEED": "【重度残疾人护理补贴·照护条件】须有长期照护需要（6个月以上）。",
    "NURSING.WORK_INJURY": "【重度残疾人护理补贴·不重复享受】已享受工伤保险生活护理费，不再享受护理补贴。",
    "NURSING.TEKUN": "【重度残疾人护理补贴·不重复享受】已纳入特困人员救助供养，不再享受护理补贴。",
    "NURSING.HIGHER_HELD": "【重度残疾人护理补贴·择高】已领取{kind}每月{held}元，不低于本补贴每月{own}元，按择高原则不重复发放。",
    "NURSING.CHOOSE_HIGHER": "【重度残疾人护理补贴·择高】本补贴每月{own}元高于已领取的{kind}每月{held}元，批准后改领本补贴、停领{kind}。",
    # MEDICAL
    "MEDICAL.OK": "【医疗救助手工报销】符合条件：参加城乡居民基本医疗保险，属于{group}。",
    "MEDICAL.NOT_INSURED": "【医疗救助手工报销·参保条件】须参加城乡居民基本医疗保险。",
    "MEDICAL.NOT_TARGET": "【医疗救助手工报销·救助对象】须为特困人员、低保对象{marginal}，申请人不在其中。",
    "MEDICAL.ALL_NETWORKED": "【医疗救助手工报销】所列费用均已在定点医药机构联网结算，无需手工报销。",
    "MEDICAL.SOME_NETWORKED": "【医疗救助手工报销】其中 {count} 张票据已联网结算，不再重复报销。",
    "MEDICAL.NO_BILLS": "【医疗救助手工报销】请提交未联网结算的医疗费用票据，受理后按规定计算报销金额。",
    "MEDICAL.LEDGER_ASSUMED": "【医疗救助手工报销】按本年度尚未报销计算，实际以医保系统的年度记录为准。",
    "MEDICAL.DECEASED": "【医疗救助手工报销·申请人已死亡】{when}以前发生的医疗费用仍可报销，由配偶、父母、子女等近亲属凭死亡证明和亲属关系证明代为申请；{after}",
    "MEDICAL.AFTER_DEATH": "【医疗救助手工报销·申请人已死亡】其中 {count} 张票据的日期在死亡之后，不予报销。",
    "MEDICAL.NOT_KIN": "【医疗救助手工报销·申请人已死亡】代为申请的人须是死者的近亲属，并提交亲属关系证明。",
    "MEDICAL.CAP_REACHED": "【医疗救助手工报销·年度限额】本年度救助已达最高限额，本次不再报销。",
    # PENSION
    "PENSION.OK": "【城乡居民养老保险保费代缴】符合条件：一级或二级重度残疾、困难人员、年满16周岁未满{max_age}周岁。",
    "PENSION.LEVEL": "【城乡居民养老保险保费代缴·等级条件】须为一级或二级重度残疾人，申请人为{level}。",
    "PENSION.NOT_POOR": "【城乡居民养老保险保费代缴·困难条件】须为低保对象或特困人员。",
    "PENSION.TOO_YOUNG": "【城乡居民养老保险参保条件】须年满16周岁，申请人{age}周岁。",
    "PENSION.TOO_OLD": "【城乡居民养老保险】已年满{max_age}周岁，按月领取养老金，无需再缴费。",
    "PENSION.STUDENT": "【城乡居民养老保险参保条件】在校学生不参加城乡居民养老保险。",
    "PENSION.EMPLOYEE": "【城乡居民养老保险参保条件】已参加职工基本养老保险，不参加城乡居民养老保险。",
    "PENSION.ENROL": "【城乡居民养老保险】尚未参保，人社部门将一并办理参保登记。",
    # parameters
    "PARAM.MISSING": "【政策参数】{date}在本地区没有适用的“{label}”，金额待人工确定。",
}


def reason(code: str, **values: object) -> Reason:
    return Reason(code, R[code].format(**values) if values else R[code])


_STATIC = {code: Reason(code, text) for code, text in R.items() if "{" not in text}
CATEGORY_LABELS = {1: "视力", 2: "听力", 3: "言语", 4: "肢体", 5: "智力", 6: "精神", 7: "多重"}
LEVEL_LABELS = {1: "一级", 2: "二级", 3: "三级", 4: "四级"}


def _money(value: Decimal) -> str:
    return f"{value.quantize(CENT, ROUND_HALF_UP):f}".rstrip("0").rstrip(".")


def _day(value: date | None) -> str:
    return f"{value:%Y年%-m月%-d日}" if value else ""


def _month_start(day: date) -> date:
    return day.replace(day=1)


@dataclass(slots=True)
class _Verdict:
    """Collects a rule's conditions; unknown facts and failures are kept apart."""

    fails: list[Reason] = field(default_factory=list)
    missing: dict[str, None] = field(default_factory=dict)  # ordered set
    notes: list[Reason] = field(default_factory=list)

    def need(self, known: bool | None, failure: Reason | str, *facts: str) -> None:
        if known is False:
            self.fails.append(_STATIC[failure] if isinstance(failure, str) else failure)
        elif known is None:
            for f in facts:
                self.missing[f] = None

    def unknown(self, *facts: str) -> None:
        for f in facts:
            self.missing[f] = None

    def fail(self, failure: Reason | str) -> None:
        self.fails.append(_STATIC[failure] if isinstance(failure, str) else failure)

    def done(
        self, matter: Matter, ok: str, amount: Amount | None = None, **ok_values: object
    ) -> Assessment:
        """``ok`` is the reason code given when eligible (formatted only then)."""
        if self.fails:
            return Assessment(matter, Outcome.INELIGIBLE, (*self.fails, *self.notes))
        if self.missing:
            missing = tuple(Missing(f, FACT_LABELS[f], FACT_HOLDERS[f]) for f in self.missing)
            return Assessment(matter, Outcome.PENDING, tuple(self.notes), missing, amount)
        ok_reason = reason(ok, **ok_values) if ok_values else _STATIC[ok]
        return Assessment(matter, Outcome.ELIGIBLE, (ok_reason, *self.notes), (), amount)


# --- conditions shared by several matters -------------------------------------------------------


def _local(v: _Verdict, facts: Facts, region: str) -> None:
    path = facts.hukou_path
    v.need(None if path is None else region in path, "HUKOU.NOT_LOCAL", "hukou_path")


def _stops(v: _Verdict, facts: Facts) -> None:
    # Death and imprisonment stop a benefit; they are checked again before every payment, so an
    # unrecorded one does not hold up the application.
    if facts.deceased:
        v.fail("ALIVE.DECEASED")
    if facts.imprisoned:
        v.fail("PRISON.SERVING")


def _holds(v: _Verdict, facts: Facts, day: date) -> Certificate | None:
    cert = facts.certificate
    if cert is None:
        v.unknown("certificate")
        return None
    if cert is False or cert is True:
        # True without details cannot be checked (level, validity): ask 残联.
        v.need(None if cert is True else False, "HOLDS.NONE", "certificate")
        return None
    if not cert.valid_on(day):
        v.fail("HOLDS.EXPIRED")
        return None
    if not cert.second_generation:
        v.fail("HOLDS.NOT_SECOND_GEN")
        return None
    return cert


def _level_text(cert: Certificate) -> str:
    return f"{CATEGORY_LABELS[cert.category]}{LEVEL_LABELS[cert.level]}"


def _param(v: _Verdict, params: RuleParams, key: str, day: date) -> Any:
    value = params[key]
    if value is None:
        v.notes.append(reason("PARAM.MISSING", date=_day(day), label=SPEC[key].label))
    return value


def _choose_higher(
    v: _Verdict, facts: Facts, kinds: frozenset, own_monthly: Decimal | None, prefix: str
) -> None:
    held = [a for a in facts.allowances if a.kind in kinds]
    if not held or own_monthly is None:
        return
    top = max(held, key=lambda a: a.monthly_amount)
    values = {
        "kind": ALLOWANCE_LABELS[top.kind],
        "held": _money(top.monthly_amount),
        "own": _money(own_monthly),
    }
    if top.monthly_amount >= own_monthly:
        v.fail(reason(f"{prefix}.HIGHER_HELD", **values))
    else:
        v.notes.append(reason(f"{prefix}.CHOOSE_HIGHER", **values))


# --- the five rules -----------------------------------------------------------------------------


def assess_cert(facts: Facts, params: RuleParams, region: str, day: date) -> Assessment:
    v = _Verdict()
    _local(v, facts, region)
    _stops(v, facts)
    cert = facts.certificate
    if cert is None:
        v.unknown("certificate")
    elif isinstance(cert, Certificate) and cert.valid_on(day):
        v.fail("CERT.ALREADY_HELD")
    elif cert is True:
        v.unknown("certificate")
    elif isinstance(cert, Certificate) and cert.status != CertStatus.CANCELLED:
        return v.done(Matter.CERT, "CERT.RENEW", until=_day(cert.valid_until))
    return v.done(Matter.CERT, "CERT.OK")


def assess_living(facts: Facts, params: RuleParams, region: str, day: date) -> Assessment:
    v = _Verdict()
    _holds(v, facts, day)
    _local(v, facts, region)
    _stops(v, facts)

    # The groups that count as 困难: 低保 always; 低保边缘 and 低收入 where the region extends it.
    groups = [("dibao", facts.dibao_active_on(day), "低保家庭成员")]
    if params["living.include_marginal"]:
        groups.append(("dibao_marginal", facts.dibao_marginal, "低保边缘家庭成员"))
    if params["living.include_low_income"]:
        groups.append(("low_income", facts.low_income, "低收入家庭成员"))
    basis = next((label for _, known, label in groups if known), None)
    if basis is None:
        unknown = [f for f, known, _ in groups if known is None]
        if unknown:
            v.unknown(*unknown)
        elif facts.dibao not in (None, Dibao.NONE):  # was in 低保, ended before the day
            v.fail(reason("LIVING.DIBAO_ENDED", until=_day(facts.dibao_until)))
        else:
            v.fail(reason("LIVING.NOT_POOR", groups="、".join(label for *_, label in groups)))

    v.need(None if facts.tekun is None else facts.tekun == Tekun.NONE, "LIVING.TEKUN", "tekun")
    age = facts.age_on(day)
    if age is None or age < 18:
        v.need(
            None if facts.orphan_support is None else not facts.orphan_support,
            "LIVING.ORPHAN",
            "orphan_support",
        )

    monthly = _param(v, params, "living.monthly_amount", day)
    _choose_higher(v, facts, LIVING_LIKE, monthly, "LIVING")
    v.notes.append(_STATIC["LIVING.NOT_INCOME"])
    amount = Amount(monthly, "元/月", first_month=_month_start(day))
    return v.done(Matter.LIVING, "LIVING.OK", amount, basis=basis or "")


def assess_nursing(facts: Facts, params: RuleParams, region: str, day: date) -> Assessment:
    v = _Verdict()
    cert = _holds(v, facts, day)
    _local(v, facts, region)
    _stops(v, facts)
    extend = bool(params["nursing.include_level34_mental"])
    if cert is not None:
        severe = cert.level in (1, 2) or (extend and cert.category in (5, 6))
        if not severe:
            v.fail(
                reason(
                    "NURSING.LEVEL",
                    extension="（或三、四级智力、精神残疾）" if extend else "",
                    level=_level_text(cert),
                )
            )
    v.need(facts.long_term_care, "NURSING.NO_CARE_NEED", "long_term_care")
    v.need(
        None if facts.work_injury_nursing is None else not facts.work_injury_nursing,
        "NURSING.WORK_INJURY",
        "work_injury_nursing",
    )
    v.need(None if facts.tekun is None else facts.tekun == Tekun.NONE, "NURSING.TEKUN", "tekun")

    annual = _param(v, params, "nursing.annual_amount", day)
    monthly = None if annual is None else (annual / MONTHS).quantize(CENT, ROUND_HALF_UP)
    _choose_higher(v, facts, NURSING_LIKE, monthly, "NURSING")
    amount = Amount(
        annual,
        "元/年",
        first_month=_month_start(day),
        detail="" if monthly is None else f"按月发放，每月{_money(monthly)}元",
    )
    return v.done(Matter.NURSING, "NURSING.OK", amount, level=_level_text(cert) if cert else "")


MEDICAL_GROUPS = {"tekun": "特困人员", "dibao": "低保对象", "marginal": "低保边缘家庭成员"}


def _medical_group(v: _Verdict, facts: Facts, params: RuleParams, day: date) -> str | None:
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
    v.fail(reason("MEDICAL.NOT_TARGET", marginal="或低保边缘家庭成员" if marginal_covered else ""))
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
        return Amount(None, "元", year=day.year), notes
    if claim.paid_this_year is None or claim.deductible_used_this_year is None:
        notes.append(_STATIC["MEDICAL.LEDGER_ASSUMED"])
    paid = claim.paid_this_year or Decimal(0)
    used = claim.deductible_used_this_year or Decimal(0)
    total = sum((b.policy_self_pay for b in payable), Decimal(0))
    deductible_left = max(Decimal(0), deductible - used)
    base = max(Decimal(0), total - deductible_left)
    cap_left = max(Decimal(0), cap - paid)
    value = min(base * ratio, cap_left).quantize(CENT, ROUND_HALF_UP)
    if cap_left == 0 and base > 0:
        notes.append(_STATIC["MEDICAL.CAP_REACHED"])
    detail = (
        f"合规自付费用{_money(total)}元，扣除起付标准剩余{_money(min(deductible_left, total))}元后"
        f"按{_money(ratio * 100)}%救助，本年度剩余限额{_money(cap_left)}元，应报销{_money(value)}元"
    )
    return Amount(value, "元", year=day.year, detail=detail), notes


def assess_medical(
    facts: Facts, params: RuleParams, region: str, day: date, claim: MedicalClaim | None = None
) -> Assessment:
    claim = claim or MedicalClaim()
    v = _Verdict()
    _local(v, facts, region)
    if facts.deceased:
        claim = _before_death(v, facts, claim)
    v.need(facts.resident_medical, "MEDICAL.NOT_INSURED", "resident_medical")
    group = _medical_group(v, facts, params, day)
    amount = None
    if claim.bills and all(b.networked for b in claim.bills):
        v.fail("MEDICAL.ALL_NETWORKED")
    elif not claim.bills:
        v.notes.append(_STATIC["MEDICAL.NO_BILLS"])
    elif group is not None:
        amount, notes = medical_reimbursement(group, params, claim, day)
        v.notes.extend(notes)
    return v.done(Matter.MEDICAL, "MEDICAL.OK", amount, group=MEDICAL_GROUPS.get(group or "", ""))


def _before_death(v: _Verdict, facts: Facts, claim: MedicalClaim) -> MedicalClaim:
    """A death stops nothing already spent: the family may claim the bills dated up to it, so the
    answer waits for the date of death and the claimant's kinship instead of a plain 符合."""
    died = facts.death_date
    if died is None:
        v.notes.append(
            reason(
                "MEDICAL.DECEASED", when="死亡之日", after="死亡日期核实后，此后的票据不予报销。"
            )
        )
        v.unknown("death_date")
    else:
        when = _day(died)
        v.notes.append(
            reason(
                "MEDICAL.DECEASED", when=f"{when}（含当日）", after=f"{when}以后的票据不予报销。"
            )
        )
        late = [b for b in claim.bills if b.day > died]
        if late:
            v.notes.append(reason("MEDICAL.AFTER_DEATH", count=len(late)))
            claim = replace(claim, bills=tuple(b for b in claim.bills if b.day <= died))
    v.need(facts.claimant_kin, "MEDICAL.NOT_KIN", "claimant_kin")
    return claim


def assess_pension(facts: Facts, params: RuleParams, region: str, day: date) -> Assessment:
    v = _Verdict()
    cert = _holds(v, facts, day)
    _local(v, facts, region)
    _stops(v, facts)
    if cert is not None and cert.level not in (1, 2):
        v.fail(reason("PENSION.LEVEL", level=_level_text(cert)))
    dibao = facts.dibao_active_on(day)
    if facts.tekun not in (None, Tekun.NONE) or dibao:
        pass
    elif facts.tekun is None or dibao is None:
        v.unknown(*(f for f, x in (("tekun", facts.tekun), ("dibao", dibao)) if x is None))
    else:
        v.fail("PENSION.NOT_POOR")
    max_age = _param(v, params, "pension.max_contribution_age", day) or 60
    age = facts.age_on(day)
    if age is None:
        v.unknown("birth_date")
    elif age < 16:
        v.fail(reason("PENSION.TOO_YOUNG", age=age))
    elif age >= max_age:
        v.fail(reason("PENSION.TOO_OLD", max_age=max_age))
    v.need(None if facts.student is None else not facts.student, "PENSION.STUDENT", "student")
    v.need(
        None if facts.employee_pension is None else not facts.employee_pension,
        "PENSION.EMPLOYEE",
        "employee_pension",
    )
    if facts.resident_pension is False:
        v.notes.append(_STATIC["PENSION.ENROL"])
    tier = _param(v, params, "pension.min_tier_amount", day)
    amount = Amount(tier, "元/年", year=day.year, detail="按最低缴费档次由政府代缴")
    return v.done(Matter.PENSION, "PENSION.OK", amount, max_age=max_age)


RULES = {
    Matter.CERT: assess_cert,
    Matter.LIVING: assess_living,
    Matter.NURSING: assess_nursing,
    Matter.PENSION: assess_pension,
}


def assess(
    facts: Facts,
    params: RuleParams,
    region: str,
    day: date,
    matters: Iterable[Matter] = tuple(Matter),
    claim: MedicalClaim | None = None,
) -> list[Assessment]:
    """Assess each matter; ``region`` is the county (旗县) the application is made in.

    When the certificate is applied for in the same application, the matters that need its
    category and level wait for it: they are assessed as if the certificate were not yet known.
    """
    matters = tuple(matters)
    out = []
    waiting_facts = None
    if Matter.CERT in matters:
        cert = assess_cert(facts, params, region, day)
        held = isinstance(facts.certificate, Certificate) and facts.certificate.valid_on(day)
        if cert.outcome != Outcome.INELIGIBLE and not held:
            waiting_facts = replace(facts, certificate=None)
    for matter in matters:
        if matter == Matter.CERT:
            out.append(cert)
        elif matter == Matter.MEDICAL:
            out.append(assess_medical(facts, params, region, day, claim))
        elif waiting_facts is not None and matter in CERT_DEPENDENT:
            r = RULES[matter](waiting_facts, params, region, day)
            reasons = (*r.reasons, _STATIC["CERT.DEPENDENT"])
            out.append(Assessment(r.matter, r.outcome, reasons, r.missing, r.amount))
        else:
            out.append(RULES[matter](facts, params, region, day))
    return out


CERT_DEPENDENT = frozenset({Matter.LIVING, Matter.NURSING, Matter.PENSION})


# Facts whose being unknown must keep a matter from 符合 (tested exhaustively).
REQUIRED_FACTS = {
    Matter.CERT: ("certificate", "hukou_path"),
    Matter.LIVING: ("certificate", "hukou_path", "dibao", "tekun"),
    Matter.NURSING: ("certificate", "hukou_path", "long_term_care", "work_injury_nursing", "tekun"),
    Matter.MEDICAL: ("hukou_path", "resident_medical", "tekun"),
    Matter.PENSION: ("certificate", "hukou_path", "birth_date", "student", "employee_pension"),
}

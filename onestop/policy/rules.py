"""Eligibility rules of the five matters: pure functions of facts, parameters, region and day.

Each rule answers 符合 / 不符合 / 待核实 with reasons a clerk can read aloud (every text names its
rule in 【】), the facts still needed and who holds them, and the amount where one applies.

How the answer is formed, for every matter alike:
- any condition known to fail                  -> 不符合, with every failing reason;
- otherwise any condition that needs a fact not yet known -> 待核实, listing those facts;
- otherwise                                    -> 符合.
An unknown fact therefore never produces 符合, and adding a disqualifying fact can only move an
answer towards 不符合.

The answer's types and how it is collected are in ``verdict``, the sentences in ``reasons``, the
medical-aid rule and its calculator in ``medical``.
"""

from collections.abc import Iterable
from dataclasses import replace
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.utils.translation import gettext_noop

from onestop.core.words import Words, words
from onestop.people.renewal import RENEWAL_DAYS

from .facts import (
    ALLOWANCE_LABELS,
    LIVING_LIKE,
    NURSING_LIKE,
    Certificate,
    CertStatus,
    Dibao,
    Facts,
    Tekun,
)
from .matters import Matter
from .medical import MedicalClaim, assess_medical
from .parameters import SPEC, RuleParams
from .reasons import CENT, STATIC, money, reason
from .verdict import Amount, Assessment, Outcome, Verdict, local

MONTHS = Decimal(12)
CATEGORY_LABELS = {1: "视力", 2: "听力", 3: "言语", 4: "肢体", 5: "智力", 6: "精神", 7: "多重"}
LEVEL_LABELS = {1: "一级", 2: "二级", 3: "三级", 4: "四级"}


def _month_start(day: date) -> date:
    return day.replace(day=1)


# --- conditions shared by several matters -------------------------------------------------------


def _stops(v: Verdict, facts: Facts) -> None:
    # Death and imprisonment stop a benefit; they are checked again before every payment, so an
    # unrecorded one does not hold up the application.
    if facts.deceased:
        v.fail("ALIVE.DECEASED")
    if facts.imprisoned:
        v.fail("PRISON.SERVING")


def _holds(v: Verdict, facts: Facts, day: date) -> Certificate | None:
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


def _level_text(cert: Certificate) -> Words:
    return words(
        gettext_noop("{category}{level}"),
        category=CATEGORY_LABELS[cert.category],
        level=LEVEL_LABELS[cert.level],
    )


def _param(v: Verdict, params: RuleParams, key: str, day: date) -> Any:
    value = params[key]
    if value is None:
        v.notes.append(reason("PARAM.MISSING", date=day, label=SPEC[key].label))
    return value


def _choose_higher(
    v: Verdict, facts: Facts, kinds: frozenset, own_monthly: Decimal | None, prefix: str
) -> None:
    held = [a for a in facts.allowances if a.kind in kinds]
    if not held or own_monthly is None:
        return
    top = max(held, key=lambda a: a.monthly_amount)
    values = {
        "kind": ALLOWANCE_LABELS[top.kind],
        "held": money(top.monthly_amount),
        "own": money(own_monthly),
    }
    if top.monthly_amount >= own_monthly:
        v.fail(reason(f"{prefix}.HIGHER_HELD", **values))
    else:
        v.notes.append(reason(f"{prefix}.CHOOSE_HIGHER", **values))


# --- the five rules -----------------------------------------------------------------------------


def assess_cert(facts: Facts, params: RuleParams, region: str, day: date) -> Assessment:
    v = Verdict()
    local(v, facts, region)
    _stops(v, facts)
    cert = facts.certificate
    if cert is None:
        v.unknown("certificate")
    elif isinstance(cert, Certificate) and cert.valid_on(day):
        if cert.due_for_renewal_on(day):
            return v.done(Matter.CERT, "CERT.RENEW_SOON", until=cert.valid_until, days=RENEWAL_DAYS)
        v.fail(reason("CERT.ALREADY_HELD", days=RENEWAL_DAYS))
    elif cert is True:
        v.unknown("certificate")
    elif isinstance(cert, Certificate) and cert.status != CertStatus.CANCELLED:
        return v.done(Matter.CERT, "CERT.RENEW", until=cert.valid_until)
    return v.done(Matter.CERT, "CERT.OK")


def assess_living(facts: Facts, params: RuleParams, region: str, day: date) -> Assessment:
    v = Verdict()
    _holds(v, facts, day)
    local(v, facts, region)
    _stops(v, facts)

    # The groups that count as 困难: 低保 always; 低保边缘 and 低收入 where the region extends it.
    groups = [("dibao", facts.dibao_active_on(day), gettext_noop("低保家庭成员"))]
    if params["living.include_marginal"]:
        groups.append(("dibao_marginal", facts.dibao_marginal, gettext_noop("低保边缘家庭成员")))
    if params["living.include_low_income"]:
        groups.append(("low_income", facts.low_income, gettext_noop("低收入家庭成员")))
    basis = next((label for _, known, label in groups if known), None)
    if basis is None:
        unknown = [f for f, known, _ in groups if known is None]
        if unknown:
            v.unknown(*unknown)
        elif facts.dibao not in (None, Dibao.NONE):  # was in 低保, ended before the day
            v.fail(reason("LIVING.DIBAO_ENDED", until=facts.dibao_until))
        else:
            v.fail(reason("LIVING.NOT_POOR", groups=tuple(label for *_, label in groups)))

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
    v.notes.append(STATIC["LIVING.NOT_INCOME"])
    amount = Amount(monthly, gettext_noop("元/月"), first_month=_month_start(day))
    return v.done(Matter.LIVING, "LIVING.OK", amount, basis=basis or "")


def assess_nursing(facts: Facts, params: RuleParams, region: str, day: date) -> Assessment:
    v = Verdict()
    cert = _holds(v, facts, day)
    local(v, facts, region)
    _stops(v, facts)
    extend = bool(params["nursing.include_level34_mental"])
    if cert is not None:
        severe = cert.level in (1, 2) or (extend and cert.category in (5, 6))
        if not severe:
            v.fail(
                reason(
                    "NURSING.LEVEL",
                    extension=gettext_noop("（或三、四级智力、精神残疾）") if extend else "",
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
        gettext_noop("元/年"),
        first_month=_month_start(day),
        detail="" if monthly is None else f"按月发放，每月{money(monthly)}元",
    )
    return v.done(Matter.NURSING, "NURSING.OK", amount, level=_level_text(cert) if cert else "")


def assess_pension(facts: Facts, params: RuleParams, region: str, day: date) -> Assessment:
    v = Verdict()
    cert = _holds(v, facts, day)
    local(v, facts, region)
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
        v.notes.append(STATIC["PENSION.ENROL"])
    tier = _param(v, params, "pension.min_tier_amount", day)
    amount = Amount(tier, gettext_noop("元/年"), year=day.year, detail="按最低缴费档次由政府代缴")
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
            reasons = (*r.reasons, STATIC["CERT.DEPENDENT"])
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

"""The rules of the five matters, profile by profile (pure: no database).

Each profile starts from BASE (a 海拉尔区 resident in 低保 with a valid 肢体一级 certificate who
needs long-term care) and changes what the profile is about.
"""

from dataclasses import replace
from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from onestop.policy.facts import (
    Allowance,
    AllowanceKind,
    Bill,
    Certificate,
    CertStatus,
    Dibao,
    Facts,
    Tekun,
)
from onestop.policy.matters import Matter
from onestop.policy.medical import MedicalClaim
from onestop.policy.parameters import SPEC, ParameterTable, ParamRow, RuleParams, parse_value
from onestop.policy.reasons import R
from onestop.policy.rules import REQUIRED_FACTS, assess
from onestop.policy.verdict import Outcome

DAY = date(2026, 11, 29)
HAILAR = ("150000", "150700", "150702", "150702001")
MANZHOULI = ("150000", "150700", "150781", "150781400")
COUNTY = "150702"
CERT = Certificate(category=4, level=1, valid_until=date(2030, 5, 1))
BASE = Facts(
    birth_date=date(1970, 5, 10),
    hukou_path=HAILAR,
    student=False,
    certificate=CERT,
    dibao=Dibao.URBAN,
    dibao_marginal=False,
    low_income=False,
    tekun=Tekun.NONE,
    orphan_support=False,
    work_injury_nursing=False,
    employee_pension=False,
    resident_pension=True,
    resident_medical=True,
    long_term_care=True,
    deceased=False,
    imprisoned=False,
    retired_cadre=False,
)
E, I, P = Outcome.ELIGIBLE, Outcome.INELIGIBLE, Outcome.PENDING
ALL = tuple(Matter)
NO_CERT = (Matter.LIVING, Matter.NURSING, Matter.MEDICAL, Matter.PENSION)


def params(**overrides) -> RuleParams:
    """The shipped defaults, with ``living__monthly_amount="130"`` style overrides."""
    chosen = {k.replace("__", "."): v for k, v in overrides.items()}
    rows = [
        ParamRow(
            key, "150000", date(2019, 1, 1), None, parse_value(key, chosen.get(key, spec.default))
        )
        for key, spec in SPEC.items()
    ]
    return ParameterTable(rows).resolve(HAILAR[:3], DAY)


def born(years_before: int, day: date = DAY) -> date:
    return day.replace(year=day.year - years_before)


def cert(**kw) -> Certificate:
    return replace(CERT, **kw)


# (id, fact changes, expected outcomes, options)
# options: matters=..., params=..., claim=..., reasons=[codes expected somewhere], amount={matter: value}
PROFILES = [
    (
        "base",
        {},
        dict(CERT=I, LIVING=E, NURSING=E, MEDICAL=E, PENSION=E),
        dict(
            reasons=[
                "CERT.ALREADY_HELD",
                "LIVING.OK",
                "NURSING.OK",
                "MEDICAL.NO_BILLS",
                "PENSION.OK",
            ],
            amount={
                Matter.LIVING: Decimal("100"),
                Matter.NURSING: Decimal("1200"),
                Matter.PENSION: Decimal("200"),
            },
        ),
    ),
    (
        "no certificate, applying for it too",
        dict(certificate=False),
        dict(CERT=E, LIVING=P, NURSING=P, MEDICAL=E, PENSION=P),
        dict(reasons=["CERT.DEPENDENT", "CERT.OK"]),
    ),
    (
        "no certificate, not applying for it",
        dict(certificate=False),
        dict(LIVING=I, NURSING=I, MEDICAL=E, PENSION=I),
        dict(matters=NO_CERT, reasons=["HOLDS.NONE"]),
    ),
    (
        "certificate unknown",
        dict(certificate=None),
        dict(CERT=P, LIVING=P, NURSING=P, MEDICAL=E, PENSION=P),
        {},
    ),
    (
        "certificate held, details unknown",
        dict(certificate=True),
        dict(CERT=P, LIVING=P, NURSING=P, MEDICAL=E, PENSION=P),
        {},
    ),
    (
        "certificate expired yesterday",
        dict(certificate=cert(valid_until=date(2026, 11, 28))),
        dict(LIVING=I, NURSING=I, PENSION=I),
        dict(matters=NO_CERT, reasons=["HOLDS.EXPIRED"]),
    ),
    (
        "certificate expired yesterday, renewing",
        dict(certificate=cert(valid_until=date(2026, 11, 28))),
        dict(CERT=E, LIVING=P),
        dict(reasons=["CERT.RENEW"]),
    ),
    (
        "certificate cancelled, applying anew",
        dict(certificate=cert(status=CertStatus.CANCELLED)),
        dict(CERT=E),
        dict(reasons=["CERT.OK"]),
    ),
    (
        "certificate expires on the day: renewed, the subsidies need not wait",
        dict(certificate=cert(valid_until=DAY)),
        dict(CERT=E, LIVING=E, NURSING=E, PENSION=E),
        dict(reasons=["CERT.RENEW_SOON"]),
    ),
    (
        "certificate expires in 90 days: renewal may be applied for",
        dict(certificate=cert(valid_until=date(2027, 2, 27))),
        dict(CERT=E, LIVING=E),
        dict(reasons=["CERT.RENEW_SOON"]),
    ),
    (
        "certificate expires in 91 days: too early to renew",
        dict(certificate=cert(valid_until=date(2027, 2, 28))),
        dict(CERT=I, LIVING=E),
        dict(reasons=["CERT.ALREADY_HELD"]),
    ),
    (
        "certificate cancelled",
        dict(certificate=cert(status=CertStatus.CANCELLED)),
        dict(LIVING=I, NURSING=I, PENSION=I),
        dict(matters=NO_CERT),
    ),
    (
        "first-generation certificate",
        dict(certificate=cert(second_generation=False)),
        dict(CERT=I, LIVING=I, NURSING=I, PENSION=I),
        dict(reasons=["HOLDS.NOT_SECOND_GEN"]),
    ),
    ("level 2", dict(certificate=cert(level=2)), dict(NURSING=E, PENSION=E, LIVING=E), {}),
    (
        "level 3 limb",
        dict(certificate=cert(level=3)),
        dict(LIVING=E, NURSING=I, PENSION=I),
        dict(reasons=["NURSING.LEVEL", "PENSION.LEVEL"]),
    ),
    (
        "level 3 intellectual, no extension",
        dict(certificate=cert(category=5, level=3)),
        dict(NURSING=I, PENSION=I),
        {},
    ),
    (
        "level 3 intellectual, extension",
        dict(certificate=cert(category=5, level=3)),
        dict(NURSING=E, PENSION=I),
        dict(params=dict(nursing__include_level34_mental=True)),
    ),
    (
        "level 4 mental, extension",
        dict(certificate=cert(category=6, level=4)),
        dict(NURSING=E),
        dict(params=dict(nursing__include_level34_mental=True)),
    ),
    (
        "level 3 limb, extension does not cover it",
        dict(certificate=cert(level=3)),
        dict(NURSING=I),
        dict(params=dict(nursing__include_level34_mental=True)),
    ),
    (
        "level 4 visual, extension does not cover it",
        dict(certificate=cert(category=1, level=4)),
        dict(NURSING=I),
        dict(params=dict(nursing__include_level34_mental=True)),
    ),
    (
        "multiple disabilities level 1",
        dict(certificate=cert(category=7)),
        dict(NURSING=E, PENSION=E),
        {},
    ),
    (
        "户籍 elsewhere",
        dict(hukou_path=MANZHOULI),
        dict(CERT=I, LIVING=I, NURSING=I, MEDICAL=I, PENSION=I),
        dict(reasons=["HUKOU.NOT_LOCAL"]),
    ),
    (
        "户籍 unknown",
        dict(hukou_path=None),
        dict(CERT=I, LIVING=P, NURSING=P, MEDICAL=P, PENSION=P),
        {},
    ),
    (
        "no certificate, 户籍 elsewhere",
        dict(certificate=False, hukou_path=MANZHOULI),
        dict(CERT=I, LIVING=I),
        {},
    ),
    (
        "not in 低保",
        dict(dibao=Dibao.NONE),
        dict(LIVING=I, PENSION=I, MEDICAL=I, NURSING=E),
        dict(reasons=["LIVING.NOT_POOR", "PENSION.NOT_POOR", "MEDICAL.NOT_TARGET"]),
    ),
    (
        "not in 低保, 低保边缘 unknown",
        dict(dibao=Dibao.NONE, dibao_marginal=None),
        dict(LIVING=I, MEDICAL=P),
        {},
    ),
    (
        "低保边缘, no regional extension",
        dict(dibao=Dibao.NONE, dibao_marginal=True),
        dict(LIVING=I, MEDICAL=E, PENSION=I),
        {},
    ),
    (
        "低保边缘, extension",
        dict(dibao=Dibao.NONE, dibao_marginal=True),
        dict(LIVING=E),
        dict(params=dict(living__include_marginal=True)),
    ),
    (
        "低保边缘 unknown, extension",
        dict(dibao=Dibao.NONE, dibao_marginal=None),
        dict(LIVING=P),
        dict(params=dict(living__include_marginal=True)),
    ),
    (
        "低收入, extension",
        dict(dibao=Dibao.NONE, low_income=True),
        dict(LIVING=E),
        dict(params=dict(living__include_low_income=True)),
    ),
    (
        "低收入 unknown, extension",
        dict(dibao=Dibao.NONE, low_income=None),
        dict(LIVING=P),
        dict(params=dict(living__include_low_income=True)),
    ),
    ("低收入 without extension", dict(dibao=Dibao.NONE, low_income=True), dict(LIVING=I), {}),
    (
        "低保边缘 with medical aid off for them",
        dict(dibao=Dibao.NONE, dibao_marginal=True),
        dict(MEDICAL=I),
        dict(params=dict(medical__ratio_marginal="0")),
    ),
    ("rural 低保", dict(dibao=Dibao.RURAL), dict(LIVING=E, MEDICAL=E, PENSION=E), {}),
    ("低保 unknown", dict(dibao=None), dict(LIVING=P, PENSION=P, MEDICAL=P, NURSING=E), {}),
    (
        "低保 ended yesterday",
        dict(dibao_until=date(2026, 11, 28)),
        dict(LIVING=I, PENSION=I, MEDICAL=I),
        dict(reasons=["LIVING.DIBAO_ENDED"]),
    ),
    ("低保 ends today", dict(dibao_until=DAY), dict(LIVING=E, PENSION=E, MEDICAL=E), {}),
    (
        "特困 dispersed, not in 低保",
        dict(dibao=Dibao.NONE, tekun=Tekun.DISPERSED),
        dict(LIVING=I, NURSING=I, MEDICAL=E, PENSION=E),
        dict(reasons=["LIVING.TEKUN", "NURSING.TEKUN"]),
    ),
    (
        "特困 centralized",
        dict(tekun=Tekun.CENTRALIZED),
        dict(LIVING=I, NURSING=I, MEDICAL=E, PENSION=E),
        {},
    ),
    ("特困 unknown", dict(tekun=None), dict(LIVING=P, NURSING=P, MEDICAL=P, PENSION=E), {}),
    (
        "child with orphan support",
        dict(birth_date=born(10), orphan_support=True),
        dict(LIVING=I, NURSING=E, PENSION=I),
        dict(reasons=["LIVING.ORPHAN", "PENSION.TOO_YOUNG"]),
    ),
    (
        "child, orphan support unknown",
        dict(birth_date=born(10), orphan_support=None),
        dict(LIVING=P),
        {},
    ),
    ("adult, orphan support irrelevant", dict(orphan_support=None), dict(LIVING=E), {}),
    (
        "工伤 nursing allowance",
        dict(work_injury_nursing=True),
        dict(NURSING=I, LIVING=E),
        dict(reasons=["NURSING.WORK_INJURY"]),
    ),
    ("工伤 nursing unknown", dict(work_injury_nursing=None), dict(NURSING=P), {}),
    (
        "no long-term care need",
        dict(long_term_care=False),
        dict(NURSING=I),
        dict(reasons=["NURSING.NO_CARE_NEED"]),
    ),
    ("care need unknown", dict(long_term_care=None), dict(NURSING=P), {}),
    ("aged 16 exactly", dict(birth_date=born(16)), dict(PENSION=E), {}),
    (
        "16 tomorrow",
        dict(birth_date=date(2010, 11, 30)),
        dict(PENSION=I),
        dict(reasons=["PENSION.TOO_YOUNG"]),
    ),
    ("aged 59", dict(birth_date=born(59)), dict(PENSION=E), {}),
    (
        "aged 60 exactly",
        dict(birth_date=born(60)),
        dict(PENSION=I),
        dict(reasons=["PENSION.TOO_OLD"]),
    ),
    ("60 tomorrow", dict(birth_date=date(1966, 11, 30)), dict(PENSION=E), {}),
    ("birth date unknown", dict(birth_date=None), dict(PENSION=P, LIVING=E), {}),
    ("student", dict(student=True), dict(PENSION=I), dict(reasons=["PENSION.STUDENT"])),
    ("student unknown", dict(student=None), dict(PENSION=P), {}),
    (
        "in 职工养老保险",
        dict(employee_pension=True),
        dict(PENSION=I),
        dict(reasons=["PENSION.EMPLOYEE"]),
    ),
    ("职工养老 unknown", dict(employee_pension=None), dict(PENSION=P), {}),
    (
        "not yet enrolled in 城乡居民养老",
        dict(resident_pension=False),
        dict(PENSION=E),
        dict(reasons=["PENSION.ENROL"]),
    ),
    ("城乡居民养老 unknown", dict(resident_pension=None), dict(PENSION=E), {}),
    (
        "not in 城乡居民医保",
        dict(resident_medical=False),
        dict(MEDICAL=I),
        dict(reasons=["MEDICAL.NOT_INSURED"]),
    ),
    ("城乡居民医保 unknown", dict(resident_medical=None), dict(MEDICAL=P), {}),
    (
        "deceased",
        dict(deceased=True),
        dict(CERT=I, LIVING=I, NURSING=I, MEDICAL=P, PENSION=I),
        dict(reasons=["ALIVE.DECEASED", "MEDICAL.DECEASED"]),
    ),
    (
        "deceased, the claimant is not kin",
        dict(deceased=True, death_date=date(2026, 10, 3), claimant_kin=False),
        dict(MEDICAL=I),
        dict(reasons=["MEDICAL.NOT_KIN"]),
    ),
    (
        "serving a sentence",
        dict(imprisoned=True),
        dict(LIVING=I, NURSING=I, PENSION=I),
        dict(reasons=["PRISON.SERVING"]),
    ),
    ("death not recorded", dict(deceased=None, imprisoned=None), dict(LIVING=E, NURSING=E), {}),
    (
        "higher old-age living allowance",
        dict(allowances=(Allowance(AllowanceKind.OLD_AGE_LIVING, Decimal("150")),)),
        dict(LIVING=I, NURSING=E),
        dict(reasons=["LIVING.HIGHER_HELD"]),
    ),
    (
        "equal retired-cadre living allowance",
        dict(
            retired_cadre=True,
            allowances=(Allowance(AllowanceKind.RETIRED_CADRE_LIVING, Decimal("100")),),
        ),
        dict(LIVING=I),
        {},
    ),
    (
        "lower work-injury living allowance",
        dict(allowances=(Allowance(AllowanceKind.WORK_INJURY_LIVING, Decimal("80")),)),
        dict(LIVING=E),
        dict(reasons=["LIVING.CHOOSE_HIGHER"]),
    ),
    (
        "higher old-age nursing allowance",
        dict(allowances=(Allowance(AllowanceKind.OLD_AGE_NURSING, Decimal("120")),)),
        dict(NURSING=I, LIVING=E),
        dict(reasons=["NURSING.HIGHER_HELD"]),
    ),
    (
        "lower old-age nursing allowance",
        dict(allowances=(Allowance(AllowanceKind.OLD_AGE_NURSING, Decimal("50")),)),
        dict(NURSING=E),
        dict(reasons=["NURSING.CHOOSE_HIGHER"]),
    ),
    (
        "medical bill, 低保 ratio",
        {},
        dict(MEDICAL=E),
        dict(
            claim=MedicalClaim((Bill(DAY, Decimal("5000")),), Decimal(0), Decimal(0)),
            amount={Matter.MEDICAL: Decimal("3500")},
        ),
    ),
    (
        "medical bills all networked",
        {},
        dict(MEDICAL=I),
        dict(
            claim=MedicalClaim((Bill(DAY, Decimal("5000"), networked=True),)),
            reasons=["MEDICAL.ALL_NETWORKED"],
        ),
    ),
    (
        "medical bills, one networked",
        {},
        dict(MEDICAL=E),
        dict(
            claim=MedicalClaim(
                (Bill(DAY, Decimal("1000")), Bill(DAY, Decimal("9000"), networked=True))
            ),
            amount={Matter.MEDICAL: Decimal("700")},
            reasons=["MEDICAL.SOME_NETWORKED", "MEDICAL.LEDGER_ASSUMED"],
        ),
    ),
    (
        "低保边缘 bill over the deductible",
        dict(dibao=Dibao.NONE, dibao_marginal=True),
        dict(MEDICAL=E),
        dict(
            claim=MedicalClaim((Bill(DAY, Decimal("3000")),), Decimal(0), Decimal(0)),
            amount={Matter.MEDICAL: Decimal("1200")},
        ),
    ),
    (
        "低保边缘 deductible partly used",
        dict(dibao=Dibao.NONE, dibao_marginal=True),
        dict(MEDICAL=E),
        dict(
            claim=MedicalClaim((Bill(DAY, Decimal("3000")),), Decimal(0), Decimal("600")),
            amount={Matter.MEDICAL: Decimal("1560")},
        ),
    ),
    (
        "低保边缘 bill under the deductible",
        dict(dibao=Dibao.NONE, dibao_marginal=True),
        dict(MEDICAL=E),
        dict(
            claim=MedicalClaim((Bill(DAY, Decimal("800")),), Decimal(0), Decimal(0)),
            amount={Matter.MEDICAL: Decimal("0")},
        ),
    ),
    (
        "annual cap nearly reached",
        {},
        dict(MEDICAL=E),
        dict(
            claim=MedicalClaim((Bill(DAY, Decimal("5000")),), Decimal("29000"), Decimal(0)),
            amount={Matter.MEDICAL: Decimal("1000")},
        ),
    ),
    (
        "annual cap reached",
        {},
        dict(MEDICAL=E),
        dict(
            claim=MedicalClaim((Bill(DAY, Decimal("5000")),), Decimal("30000"), Decimal(0)),
            amount={Matter.MEDICAL: Decimal("0")},
            reasons=["MEDICAL.CAP_REACHED"],
        ),
    ),
    (
        "特困 bill at 100%",
        dict(tekun=Tekun.DISPERSED),
        dict(MEDICAL=E),
        dict(
            claim=MedicalClaim((Bill(DAY, Decimal("5000")),), Decimal(0), Decimal(0)),
            amount={Matter.MEDICAL: Decimal("5000")},
        ),
    ),
    (
        "regional living amount",
        {},
        dict(LIVING=E),
        dict(params=dict(living__monthly_amount="130"), amount={Matter.LIVING: Decimal("130")}),
    ),
    (
        "nursing paid monthly",
        {},
        dict(NURSING=E),
        dict(params=dict(nursing__annual_amount="1800"), amount={Matter.NURSING: Decimal("1800")}),
    ),
    (
        "pension tier",
        {},
        dict(PENSION=E),
        dict(params=dict(pension__min_tier_amount="300"), amount={Matter.PENSION: Decimal("300")}),
    ),
    (
        "contribution age raised",
        dict(birth_date=born(61)),
        dict(PENSION=E),
        dict(params=dict(pension__max_contribution_age=65)),
    ),
    ("nothing known", "EMPTY", dict(CERT=P, LIVING=P, NURSING=P, MEDICAL=P, PENSION=P), {}),
]


@pytest.mark.parametrize(
    ("name", "changes", "expected", "options"), PROFILES, ids=[p[0] for p in PROFILES]
)
def test_profile(name, changes, expected, options):
    facts = Facts() if changes == "EMPTY" else replace(BASE, **changes)
    rule_params = params(**options.get("params", {}))
    matters = options.get("matters", ALL)
    results = {
        a.matter: a for a in assess(facts, rule_params, COUNTY, DAY, matters, options.get("claim"))
    }
    got = {m: results[Matter(m)].outcome for m in expected}
    assert got == {m: v for m, v in expected.items()}, [
        r.text for a in results.values() for r in a.reasons
    ]
    codes = {r.code for a in results.values() for r in a.reasons}
    for code in options.get("reasons", []):
        assert code in codes, (code, codes)
    for matter, value in options.get("amount", {}).items():
        assert results[matter].amount.value == value


def test_there_are_at_least_sixty_profiles():
    assert len(PROFILES) >= 60


def test_pending_names_each_missing_fact_and_who_holds_it():
    result = assess(
        replace(BASE, long_term_care=None, tekun=None), params(), COUNTY, DAY, [Matter.NURSING]
    )[0]
    assert result.outcome == P
    assert {(m.label, m.holder) for m in result.missing} == {
        ("长期护理需要（6个月以上）", "残联（评估）"),
        ("特困人员救助供养", "民政"),
    }


def test_a_death_asks_for_its_date_and_names_who_may_claim_which_bills():
    medical = assess(replace(BASE, deceased=True), params(), COUNTY, DAY, [Matter.MEDICAL])[0]
    assert medical.outcome == P
    assert {m.label for m in medical.missing} == {
        "死亡日期",
        "代为申请的近亲属身份和亲属关系证明",
    }
    (text,) = [r.text for r in medical.reasons if r.code == "MEDICAL.DECEASED"]
    assert "死亡之日以前发生的医疗费用仍可报销" in text
    assert "配偶、父母、子女等近亲属" in text


def test_bills_after_the_death_are_not_paid_to_the_family():
    died = date(2026, 10, 3)
    facts = replace(BASE, deceased=True, death_date=died, claimant_kin=True)
    bills = (Bill(died, Decimal("3000")), Bill(date(2026, 10, 4), Decimal("5000")))
    alone = MedicalClaim(
        bills=bills[:1], paid_this_year=Decimal(0), deductible_used_this_year=Decimal(0)
    )
    both = replace(alone, bills=bills)
    before = assess(facts, params(), COUNTY, DAY, [Matter.MEDICAL], alone)[0]
    medical = assess(facts, params(), COUNTY, DAY, [Matter.MEDICAL], both)[0]
    assert medical.outcome == E and medical.amount.value == before.amount.value
    texts = [r.text for r in medical.reasons]
    assert any("2026年10月3日（含当日）以前发生的医疗费用仍可报销" in t for t in texts)
    assert any("1 张票据的日期在死亡之后，不予报销" in t for t in texts)


def test_an_expired_certificate_is_renewed_not_applied_for_anew():
    expired = replace(BASE, certificate=cert(valid_until=date(2026, 6, 30)))
    (answer,) = assess(expired, params(), COUNTY, DAY, [Matter.CERT])
    assert answer.outcome == E
    assert answer.reasons[0].text.startswith("【残疾人证换领】原残疾人证已于2026年6月30日到期")
    assert "新办】" not in answer.reasons[0].text


def test_a_certificate_expiring_within_90_days_is_renewed_not_held_or_applied_for_anew():
    soon = replace(BASE, certificate=cert(valid_until=date(2027, 1, 31)))
    (answer,) = assess(soon, params(), COUNTY, DAY, [Matter.CERT])
    assert answer.outcome == E
    assert answer.reasons[0].text.startswith("【残疾人证换领】原残疾人证将于2027年1月31日到期")
    assert "到期前 90 日内可以申请换领" in answer.reasons[0].text
    (held,) = assess(BASE, params(), COUNTY, DAY, [Matter.CERT])
    assert held.outcome == I and "到期前 90 日内可以申请换领" in held.reasons[0].text


def test_living_pays_from_the_month_of_application():
    living = assess(BASE, params(), COUNTY, date(2026, 3, 17), [Matter.LIVING])[0]
    assert living.amount.first_month == date(2026, 3, 1)
    assert living.amount.unit == "元/月"


def test_every_reason_is_chinese_and_names_its_rule():
    for code, text in R.items():
        assert text.startswith("【") and "】" in text, code
        assert sum("\u4e00" <= ch <= "\u9fff" for ch in text) >= 8, code
        assert not any(
            ch.isascii() and ch.isalpha() for ch in text.replace("{", "").split("}")[-1]
        ), code


def test_missing_parameters_leave_the_amount_to_a_person():
    empty = ParameterTable([]).resolve(HAILAR[:3], DAY)
    living = assess(BASE, empty, COUNTY, DAY, [Matter.LIVING])[0]
    assert living.outcome == E and living.amount.value is None
    assert any(r.code == "PARAM.MISSING" for r in living.reasons)


# --- properties ----------------------------------------------------------------------------------

maybe_bool = st.one_of(st.none(), st.booleans())
facts_strategy = st.builds(
    Facts,
    birth_date=st.one_of(st.none(), st.dates(date(1930, 1, 1), date(2026, 11, 29))),
    hukou_path=st.sampled_from([None, HAILAR, MANZHOULI]),
    student=maybe_bool,
    certificate=st.one_of(
        st.none(),
        st.booleans(),
        st.builds(
            Certificate,
            category=st.integers(1, 7),
            level=st.integers(1, 4),
            valid_until=st.dates(date(2020, 1, 1), date(2036, 1, 1)),
            status=st.sampled_from(list(CertStatus)),
            second_generation=st.booleans(),
        ),
    ),
    dibao=st.one_of(st.none(), st.sampled_from(list(Dibao))),
    dibao_until=st.one_of(st.none(), st.dates(date(2026, 1, 1), date(2027, 12, 31))),
    dibao_marginal=maybe_bool,
    low_income=maybe_bool,
    tekun=st.one_of(st.none(), st.sampled_from(list(Tekun))),
    orphan_support=maybe_bool,
    work_injury_nursing=maybe_bool,
    employee_pension=maybe_bool,
    resident_pension=maybe_bool,
    resident_medical=maybe_bool,
    long_term_care=maybe_bool,
    deceased=maybe_bool,
    imprisoned=maybe_bool,
    allowances=st.lists(
        st.builds(Allowance, st.sampled_from(list(AllowanceKind)), st.decimals(0, 300, places=2)),
        max_size=2,
    ).map(tuple),
)
param_strategy = st.sampled_from(
    [
        params(),
        params(
            living__include_marginal=True,
            living__include_low_income=True,
            nursing__include_level34_mental=True,
        ),
    ]
)
RANK = {I: 0, P: 1, E: 2}
STOPS = [dict(deceased=True), dict(hukou_path=MANZHOULI)]
BENEFIT_STOPS = [*STOPS, dict(imprisoned=True), dict(certificate=False)]
HIGH = (
    Allowance(AllowanceKind.OLD_AGE_LIVING, Decimal(999)),
    Allowance(AllowanceKind.OLD_AGE_NURSING, Decimal(999)),
)
DISQUALIFIERS = {
    Matter.CERT: [*STOPS, dict(certificate=Certificate(4, 2, date(2035, 1, 1)))],
    Matter.LIVING: [
        *BENEFIT_STOPS,
        dict(tekun=Tekun.DISPERSED),
        dict(orphan_support=True),
        dict(allowances=HIGH),
    ],
    Matter.NURSING: [
        *BENEFIT_STOPS,
        dict(tekun=Tekun.CENTRALIZED),
        dict(work_injury_nursing=True),
        dict(long_term_care=False),
        dict(allowances=HIGH),
    ],
    Matter.MEDICAL: [dict(hukou_path=MANZHOULI), dict(resident_medical=False)],
    Matter.PENSION: [*BENEFIT_STOPS, dict(employee_pension=True), dict(student=True)],
}


@settings(max_examples=300, deadline=None)
@given(facts=facts_strategy, rule_params=param_strategy, data=st.data())
def test_an_unknown_required_fact_never_yields_eligible(facts, rule_params, data):
    matter = data.draw(st.sampled_from(list(Matter)))
    fact = data.draw(st.sampled_from(REQUIRED_FACTS[matter]))
    unknown = replace(facts, **{fact: None})
    result = assess(unknown, rule_params, COUNTY, DAY, [matter])[0]
    assert result.outcome != E


@settings(max_examples=300, deadline=None)
@given(facts=facts_strategy, rule_params=param_strategy, data=st.data())
def test_a_disqualifying_fact_never_improves_an_outcome(facts, rule_params, data):
    matter = data.draw(st.sampled_from(list(Matter)))
    change = data.draw(st.sampled_from(DISQUALIFIERS[matter]))
    worse = replace(facts, **change)
    before = assess(facts, rule_params, COUNTY, DAY, [matter])[0].outcome
    after = assess(worse, rule_params, COUNTY, DAY, [matter])[0].outcome
    assert RANK[after] <= RANK[before], (matter, change, before, after)


@settings(max_examples=200, deadline=None)
@given(facts=facts_strategy)
def test_every_answer_explains_itself(facts):
    for a in assess(facts, params(), COUNTY, DAY):
        if a.outcome == P:
            assert a.missing
        else:
            assert a.reasons and not a.missing

"""What is known about a person on a date: a plain snapshot the rules read (no ORM).

``None`` means *unknown*, which is different from ``False``: a rule that needs an unknown fact
answers 待核实 and says who holds it.
"""

from dataclasses import dataclass, field, fields
from datetime import date
from decimal import Decimal
from enum import StrEnum

from onestop.people.renewal import due_for_renewal


class Dibao(StrEnum):
    NONE = "none"
    URBAN = "urban"
    RURAL = "rural"


class Tekun(StrEnum):
    NONE = "none"
    CENTRALIZED = "centralized"
    DISPERSED = "dispersed"


class CertStatus(StrEnum):
    VALID = "valid"
    EXPIRED = "expired"
    CANCELLED = "cancelled"


class AllowanceKind(StrEnum):
    """Other allowances that overlap with the two subsidies (择高申领)."""

    OLD_AGE_LIVING = "old_age_living"  # 老年人生活补贴（高龄津贴等）
    WORK_INJURY_LIVING = "work_injury_living"  # 因公（工）致残生活补助
    RETIRED_CADRE_LIVING = "retired_cadre_living"  # 离休干部生活补贴
    OLD_AGE_NURSING = "old_age_nursing"  # 老年人护理补贴
    RETIRED_CADRE_NURSING = "retired_cadre_nursing"  # 离休干部护理费


ALLOWANCE_LABELS = {
    AllowanceKind.OLD_AGE_LIVING: "老年人生活补贴",
    AllowanceKind.WORK_INJURY_LIVING: "因公致残生活补助",
    AllowanceKind.RETIRED_CADRE_LIVING: "离休干部生活补贴",
    AllowanceKind.OLD_AGE_NURSING: "老年人护理补贴",
    AllowanceKind.RETIRED_CADRE_NURSING: "离休干部护理费",
}
LIVING_LIKE = frozenset(
    {
        AllowanceKind.OLD_AGE_LIVING,
        AllowanceKind.WORK_INJURY_LIVING,
        AllowanceKind.RETIRED_CADRE_LIVING,
    }
)
NURSING_LIKE = frozenset({AllowanceKind.OLD_AGE_NURSING, AllowanceKind.RETIRED_CADRE_NURSING})


@dataclass(frozen=True, slots=True)
class Allowance:
    kind: AllowanceKind
    monthly_amount: Decimal


@dataclass(frozen=True, slots=True)
class Certificate:
    category: int  # 1..7, GB/T 26341-2010
    level: int  # 1..4
    valid_until: date
    status: CertStatus = CertStatus.VALID
    second_generation: bool = True

    def valid_on(self, day: date) -> bool:
        return self.status == CertStatus.VALID and self.valid_until >= day

    def due_for_renewal_on(self, day: date) -> bool:
        """换证 may be applied for: it expires within the renewal window, or has expired."""
        return due_for_renewal(self.valid_until, self.status == CertStatus.CANCELLED, day)


@dataclass(frozen=True, slots=True)
class Bill:
    """One medical bill: the policy-covered amount the patient still paid after basic and
    supplementary insurance (符合规定的自付费用), and whether it was settled online."""

    day: date
    policy_self_pay: Decimal
    networked: bool = False


@dataclass(frozen=True, slots=True)
class Facts:
    birth_date: date | None = None
    # Division codes from the province down to the 户籍 region, e.g. ("150000", "150700", ...).
    hukou_path: tuple[str, ...] | None = None
    student: bool | None = None
    # The certificate held, ``False`` when known to hold none, ``None`` when unknown.
    certificate: Certificate | bool | None = None
    dibao: Dibao | None = None
    dibao_until: date | None = None  # last day of 低保, if it has ended or will end
    dibao_marginal: bool | None = None  # 低保边缘家庭
    low_income: bool | None = None  # 其他低收入家庭
    tekun: Tekun | None = None
    orphan_support: bool | None = None  # 孤儿基本生活保障 or 事实无人抚养儿童
    work_injury_nursing: bool | None = None  # 工伤保险生活护理费
    employee_pension: bool | None = None  # 职工基本养老保险 enrolled
    resident_pension: bool | None = None  # 城乡居民基本养老保险 enrolled
    resident_medical: bool | None = None  # 城乡居民基本医疗保险 enrolled
    long_term_care: bool | None = None  # needs care for more than six months
    deceased: bool | None = None
    death_date: date | None = None
    # The family member claiming a deceased person's bills proved kinship (checked at the window).
    claimant_kin: bool | None = None
    imprisoned: bool | None = None
    retired_cadre: bool | None = None  # 离休
    allowances: tuple[Allowance, ...] = ()
    receiving: frozenset[str] = frozenset()  # matters already received (免申即享 skips them)
    # Which facts came from shared data (the rest were declared by the applicant).
    shared: frozenset[str] = field(default=frozenset())

    def age_on(self, day: date) -> int | None:
        b = self.birth_date
        if b is None:
            return None
        return day.year - b.year - ((day.month, day.day) < (b.month, b.day))

    def dibao_active_on(self, day: date) -> bool | None:
        if self.dibao is None:
            return None
        if self.dibao == Dibao.NONE:
            return False
        return self.dibao_until is None or self.dibao_until >= day

    def merged(self, declared: "Facts") -> "Facts":
        """These facts, with unknowns filled from what the applicant declared."""
        values = {}
        for f in fields(self):
            mine = getattr(self, f.name)
            values[f.name] = getattr(declared, f.name) if mine is None else mine
        values["allowances"] = self.allowances or declared.allowances
        values["receiving"] = self.receiving | declared.receiving
        values["shared"] = self.shared
        return Facts(**values)


FACT_LABELS = {
    "birth_date": "出生日期",
    "hukou_path": "户籍地",
    "student": "是否在校学生",
    "certificate": "残疾人证",
    "dibao": "最低生活保障（低保）",
    "dibao_marginal": "低保边缘家庭认定",
    "low_income": "低收入家庭认定",
    "tekun": "特困人员救助供养",
    "orphan_support": "孤儿基本生活保障或事实无人抚养儿童保障",
    "work_injury_nursing": "工伤保险生活护理费",
    "employee_pension": "职工基本养老保险参保情况",
    "resident_pension": "城乡居民基本养老保险参保情况",
    "resident_medical": "城乡居民基本医疗保险参保情况",
    "long_term_care": "长期护理需要（6个月以上）",
    "deceased": "是否死亡",
    "death_date": "死亡日期",
    "claimant_kin": "代为申请的近亲属身份和亲属关系证明",
    "imprisoned": "是否正在服刑",
    "retired_cadre": "是否离休干部",
}

# Who holds each fact in the shared data, to say whom to ask (「一次告知」).
FACT_HOLDERS = {
    "birth_date": "公安（户籍）",
    "hukou_path": "公安（户籍）",
    "student": "教育部门",
    "certificate": "残联",
    "dibao": "民政",
    "dibao_marginal": "民政",
    "low_income": "民政",
    "tekun": "民政",
    "orphan_support": "民政",
    "work_injury_nursing": "人社",
    "employee_pension": "人社",
    "resident_pension": "人社",
    "resident_medical": "医保",
    "long_term_care": "残联（评估）",
    "deceased": "公安（户籍）",
    "death_date": "公安（户籍）",
    "claimant_kin": "受理窗口（查验证明）",
    "imprisoned": "司法行政",
    "retired_cadre": "组织人事部门",
}

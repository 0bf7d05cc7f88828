from datetime import date
from decimal import Decimal
from typing import Any, Literal

from django.conf import settings
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, HttpRequest
from ninja import Field, Router, Schema
from ninja.errors import HttpError
from pydantic import ConfigDict

from onestop.core import clock
from onestop.core.api_errors import FieldError
from onestop.core.api_fields import Money
from onestop.core.ratelimit import client_ip, hit
from onestop.people.selectors import person_get

from . import facts as F
from . import registry
from .matters import MATTER_DEPARTMENT, Matter
from .medical import MedicalClaim
from .parameters import SPEC
from .services import Prescreen, prescreen

router = Router(tags=["预审"])


class In(Schema):
    model_config = ConfigDict(extra="forbid")


class CertificateIn(In):
    category: int = Field(..., ge=1, le=7, description="残疾类别 1 视力 … 7 多重")
    level: int = Field(..., ge=1, le=4, description="残疾等级 1 一级 … 4 四级")
    valid_until: date
    status: F.CertStatus = F.CertStatus.VALID
    second_generation: bool = True


class AllowanceIn(In):
    kind: F.AllowanceKind
    monthly_amount: Money


class FactsIn(In):
    """What the applicant says; every field may be left out (unknown)."""

    birth_date: date | None = None
    hukou_region: str | None = Field(default=None, description="户籍地区划代码（旗县或苏木乡镇）")
    student: bool | None = None
    has_certificate: bool | None = Field(default=None, description="false 表示确认没有残疾人证")
    certificate: CertificateIn | None = None
    dibao: F.Dibao | None = None
    dibao_until: date | None = None
    dibao_marginal: bool | None = None
    low_income: bool | None = None
    tekun: F.Tekun | None = None
    orphan_support: bool | None = None
    work_injury_nursing: bool | None = None
    employee_pension: bool | None = None
    resident_pension: bool | None = None
    resident_medical: bool | None = None
    long_term_care: bool | None = None
    deceased: bool | None = None
    death_date: date | None = None
    claimant_kin: bool | None = Field(
        default=None, description="代为申请已故者医疗救助的人已证明是其近亲属"
    )
    imprisoned: bool | None = None
    retired_cadre: bool | None = None
    allowances: list[AllowanceIn] = []
    receiving: list[Matter] = []


class BillIn(In):
    day: date
    policy_self_pay: Money
    networked: bool = False


class PrescreenIn(In):
    region: str = Field(..., description="办理地：旗县（市、区）或苏木乡镇（街道）区划代码")
    day: date | None = Field(default=None, description="评估日期，默认今天")
    matters: list[Matter] | None = Field(default=None, description="要预审的事项，默认全部五项")
    person_id: int | None = Field(default=None, description="登记库中的人员（仅限工作人员）")
    guardian: Literal["", "guardian", "agent"] = ""
    facts: FactsIn = FactsIn()
    bills: list[BillIn] = []
    medical_aid_paid_this_year: Money | None = None
    deductible_used_this_year: Money | None = None


class ReasonOut(Schema):
    code: str
    text: str


class MissingOut(Schema):
    fact: str
    label: str
    holder: str


class AmountOut(Schema):
    value: Decimal | None
    unit: str
    first_month: date | None
    year: int | None
    detail: str


class AssessmentOut(Schema):
    matter: Matter
    matter_name: str
    department: str
    outcome: Literal["eligible", "ineligible", "pending"]
    outcome_label: str
    reasons: list[ReasonOut]
    missing: list[MissingOut]
    amount: AmountOut | None


class MaterialOut(Schema):
    code: str
    name: str
    matters: list[Matter]
    exempt: bool
    exempt_reason: str
    note: str


class ParameterOut(Schema):
    key: str
    label: str
    value: str
    region: str
    example: bool


class PrescreenOut(Schema):
    county: str
    day: date
    assessments: list[AssessmentOut]
    materials: list[MaterialOut]
    parameters: list[ParameterOut]


class ErrorOut(Schema):
    detail: list[dict[str, str]] | str


def _facts(data: FactsIn, day: date) -> F.Facts:
    if data.birth_date and data.birth_date > day:
        raise FieldError("facts.birth_date", "不能晚于评估日期。")
    hukou_path = None
    if data.hukou_region:
        hukou_path = registry.region_path(data.hukou_region)
        if hukou_path is None:
            raise FieldError("facts.hukou_region", f"区划代码“{data.hukou_region}”不存在。")
    cert: F.Certificate | bool | None = data.has_certificate
    if data.certificate is not None:
        c = data.certificate
        cert = F.Certificate(c.category, c.level, c.valid_until, c.status, c.second_generation)
    elif data.has_certificate:
        cert = True  # held, details unknown
    values = data.model_dump(
        exclude={"hukou_region", "has_certificate", "certificate", "allowances", "receiving"}
    )
    return F.Facts(
        **values,
        hukou_path=hukou_path,
        certificate=cert,
        allowances=tuple(F.Allowance(a.kind, a.monthly_amount) for a in data.allowances),
        receiving=frozenset(data.receiving),
    )


def _out(result: Prescreen) -> dict:
    return {
        "county": result.county,
        "day": result.day,
        "assessments": [
            {
                "matter": a.matter,
                "matter_name": a.matter.label,
                "department": MATTER_DEPARTMENT[a.matter].label,
                "outcome": a.outcome.value,
                "outcome_label": a.outcome.label,
                "reasons": a.reasons,
                "missing": a.missing,
                "amount": a.amount,
            }
            for a in result.assessments
        ],
        "materials": [
            {
                "code": n.material.code,
                "name": n.material.name,
                "matters": list(n.matters),
                "exempt": n.exempt,
                "exempt_reason": n.exempt_reason,
                "note": n.material.note,
            }
            for n in result.materials
        ],
        "parameters": [
            {
                "key": key,
                "label": SPEC[key].label,
                "value": str(p.value),
                "region": p.region_code,
                "example": p.example,
            }
            for key, p in result.params.items()
        ],
    }


@router.post(
    "/prescreen",
    response={200: PrescreenOut, 401: ErrorOut, 404: ErrorOut, 422: ErrorOut, 429: ErrorOut},
    summary="预审：一次告知能办哪些事项、为什么、还缺什么",
    auth=None,
)
def prescreen_endpoint(request: HttpRequest, payload: PrescreenIn) -> dict[str, Any]:
    """Assess the five matters from the facts given (or a registry person, for staff)."""
    staff = request.user.is_authenticated
    if not staff and not hit(
        "prescreen", client_ip(request), settings.PRESCREEN_ANON_PER_MINUTE, 60
    ):
        raise HttpError(429, "预审请求过于频繁，请一分钟后再试。")
    day = payload.day or clock.today()
    person = None
    if payload.person_id is not None:
        if not staff:
            raise HttpError(401, "按登记人员预审需要工作人员登录。")
        try:
            person = person_get(request.user, payload.person_id)
        except Http404:
            raise HttpError(404, "未找到该人员，或不在您的管辖范围内。") from None
    claim = MedicalClaim(
        tuple(F.Bill(b.day, b.policy_self_pay, b.networked) for b in payload.bills),
        payload.medical_aid_paid_this_year,
        payload.deductible_used_this_year,
    )
    try:
        result = prescreen(
            facts=_facts(payload.facts, day),
            region_code=payload.region,
            day=day,
            matters=payload.matters or tuple(Matter),
            claim=claim,
            guardian=payload.guardian,
            person=person,
        )
    except DjangoValidationError as exc:
        field, messages = next(iter(exc.message_dict.items()))
        raise FieldError(field, messages[0]) from None
    return _out(result)

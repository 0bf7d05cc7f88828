"""Declarative approval chains: the ordered steps of each matter, who acts, and how long.

A chain is plain data (validated here, stored as a versioned ``ChainVersion``). The defaults
below follow the seed plan (附件4 for the two subsidies, the 5-working-day promise of 民政);
step deadlines the plan does not give are marked as examples in ``note``.
"""

from dataclasses import dataclass
from typing import Any

from onestop.accounts.roles import OFFICER_ROLES, ROLE_PLACEMENT, Role
from onestop.policy.matters import Matter
from onestop.regions.enums import Level


class Outcome:
    APPROVE = "approve"
    REJECT = "reject"
    RETURN = "return"  # 退回补正
    TRANSFER = "transfer"  # 转办

    LABELS = {APPROVE: "通过", REJECT: "不通过", RETURN: "退回补正", TRANSFER: "转办"}
    ALL = (APPROVE, REJECT, RETURN, TRANSFER)


@dataclass(frozen=True)
class StepDef:
    code: str
    name: str
    role: str
    level: str  # township or county: where the acting unit sits (the applicant's 户籍 one)
    days: int  # deadline in working days from the step's start
    outcomes: tuple[str, ...]
    # Data the approving officer records: "assessment" (category, level), "amount", "certificate".
    records: str = ""

    @property
    def department(self) -> str:
        return str(ROLE_PLACEMENT[self.role][0])


@dataclass(frozen=True)
class ChainDef:
    matter: str
    steps: tuple[StepDef, ...]
    days: int  # the matter's own deadline from dispatch (the whole chain)
    note: str = ""

    def to_json(self) -> dict[str, Any]:
        return {
            "days": self.days,
            "note": self.note,
            "steps": [
                {
                    "code": s.code,
                    "name": s.name,
                    "role": s.role,
                    "level": s.level,
                    "days": s.days,
                    "outcomes": list(s.outcomes),
                    "records": s.records,
                }
                for s in self.steps
            ],
        }


A, R, B, T = Outcome.APPROVE, Outcome.REJECT, Outcome.RETURN, Outcome.TRANSFER
C, TS = Level.COUNTY, Level.TOWNSHIP

# 附件4: the same three steps for both subsidies.
SUBSIDY_STEPS = (
    StepDef(
        "township_review", "苏木乡镇（街道）民政审核", Role.TOWNSHIP_CIVIL, TS, 2, (A, R, B, T)
    ),
    StepDef("cdpf_verify", "旗县区残联认定审核", Role.CDPF_REVIEWER, C, 1, (A, R, B)),
    StepDef("county_approve", "旗县区民政局审批", Role.COUNTY_CIVIL, C, 2, (A, R, B)),
)
SUBSIDY_NOTE = "附件4 审批流程；民政 5 个工作日内告知结果（实施方案）。各环节分配为示例值。"

DEFAULT_CHAINS = {
    Matter.CERT: ChainDef(
        Matter.CERT,
        (
            StepDef("cdpf_receive", "残联受理", Role.CDPF_REVIEWER, C, 2, (A, R, B, T)),
            StepDef(
                "assessment", "残疾评定", Role.CDPF_REVIEWER, C, 20, (A, R, B), records="assessment"
            ),
            StepDef(
                "cdpf_review", "残联审核（含5个工作日公示）", Role.CDPF_REVIEWER, C, 15, (A, R, B)
            ),
            StepDef("issue", "发证", Role.CDPF_REVIEWER, C, 3, (A,), records="certificate"),
        ),
        days=40,
        note="评定、公示和审核期限按残疾人证管理规定；受理和发证期限为示例值。",
    ),
    Matter.LIVING: ChainDef(Matter.LIVING, SUBSIDY_STEPS, days=5, note=SUBSIDY_NOTE),
    Matter.NURSING: ChainDef(Matter.NURSING, SUBSIDY_STEPS, days=5, note=SUBSIDY_NOTE),
    Matter.MEDICAL: ChainDef(
        Matter.MEDICAL,
        (
            StepDef(
                "medical_review",
                "医保受理审核",
                Role.MEDICAL_OFFICER,
                C,
                5,
                (A, R, B, T),
                records="amount",
            ),
            StepDef("medical_recheck", "医保复核", Role.MEDICAL_OFFICER, C, 3, (A, R, B)),
            StepDef("medical_pay", "支付", Role.MEDICAL_OFFICER, C, 2, (A,)),
        ),
        days=10,
        note="期限为示例值，请按本地医保经办规程调整。",
    ),
    Matter.PENSION: ChainDef(
        Matter.PENSION,
        (
            StepDef(
                "hrss_verify",
                "人社核验参保（未参保的一并参保）",
                Role.HRSS_OFFICER,
                C,
                3,
                (A, R, B, T),
            ),
            StepDef("hrss_register", "人社代缴登记", Role.HRSS_OFFICER, C, 2, (A,)),
        ),
        days=5,
        note="期限为示例值，请按本地人社经办规程调整。",
    ),
}


class ChainError(ValueError):
    pass


def parse_chain(matter: str, data: Any) -> ChainDef:
    """Validate a chain given as JSON (the admin edits it so); messages are for the admin."""
    if matter not in Matter.values:
        raise ChainError(f"事项“{matter}”不存在。")
    if not isinstance(data, dict):
        raise ChainError("流程定义应为一个对象，包含 days 和 steps。")
    days = data.get("days")
    if not isinstance(days, int) or isinstance(days, bool) or not 0 < days <= 365:
        raise ChainError("days（事项总期限，工作日）应为 1 至 365 的整数。")
    steps_in = data.get("steps")
    if not isinstance(steps_in, list) or not steps_in:
        raise ChainError("steps（环节列表）不能为空。")
    seen: set[str] = set()
    steps = [_parse_step(f"第 {i} 个环节", s, seen) for i, s in enumerate(steps_in, start=1)]
    _check_chain(matter, steps, days)
    return ChainDef(matter, tuple(steps), days, str(data.get("note", "")))


def _parse_step(where: str, s: Any, seen: set[str]) -> StepDef:
    """One step of the chain; ``seen`` collects the codes so far, which may not repeat."""
    if not isinstance(s, dict):
        raise ChainError(f"{where}应为一个对象。")
    code, name, role, level = (s.get(k) for k in ("code", "name", "role", "level"))
    if not isinstance(code, str) or not code or code in seen:
        raise ChainError(f"{where}的 code 不能为空且不能重复。")
    seen.add(code)
    if not isinstance(name, str) or not name.strip():
        raise ChainError(f"{where}的 name（名称）不能为空。")
    if role not in OFFICER_ROLES:
        raise ChainError(f"{where}的 role（办理角色）无效。")
    if level not in (Level.TOWNSHIP, Level.COUNTY):
        raise ChainError(f"{where}的 level 只能是 township 或 county。")
    allowed_levels = ROLE_PLACEMENT[role][1] or ()
    if level not in allowed_levels:
        raise ChainError(f"{where}：{Role(role).label}不在该层级办理。")
    step_days = s.get("days")
    if not isinstance(step_days, int) or isinstance(step_days, bool) or not 0 < step_days <= 365:
        raise ChainError(f"{where}的 days（期限，工作日）应为 1 至 365 的整数。")
    outcomes = s.get("outcomes")
    if (
        not isinstance(outcomes, list)
        or Outcome.APPROVE not in outcomes
        or not set(outcomes) <= set(Outcome.ALL)
    ):
        raise ChainError(
            f"{where}的 outcomes 须包含 approve，且只能取 approve、reject、return、transfer。"
        )
    records = s.get("records", "")
    if records not in ("", "assessment", "amount", "certificate"):
        raise ChainError(f"{where}的 records 无效。")
    return StepDef(code, name.strip(), role, level, step_days, tuple(outcomes), records)


def _check_chain(matter: str, steps: list[StepDef], days: int) -> None:
    """The conditions on the steps together."""
    if sum(s.days for s in steps) > days and matter in (Matter.LIVING, Matter.NURSING):
        raise ChainError("各环节期限之和超过了事项总期限。")
    if matter == Matter.CERT:
        records = [s.records for s in steps]
        if "assessment" not in records or "certificate" not in records:
            raise ChainError(
                "残疾人证流程须有评定环节（records 为 assessment）和发证环节（certificate）。"
            )
        if records.index("assessment") > records.index("certificate"):
            raise ChainError("残疾人证流程的评定环节须在发证环节之前。")

"""An application's history in plain words, read from its audit events."""

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from onestop.audit.models import AuditAction, AuditEvent
from onestop.core.words import bare, listing
from onestop.policy.matters import Matter as MatterType
from onestop.policy.matters import matter_label

from .chains import Outcome
from .models import Application

NOTICE_EVENTS = {
    "accepted": "受理",
    "supplement": "需要补正",
    "decided": "办理结果",
    "delivered": "结果送达",
    "ready": "结果已办好",
    "posted": "结果已寄出",
    "rating": "评价邀请",
    "rating_answered": "对评价的回复",
    "proactive": "可以享受的待遇",
}
# Internal bookkeeping the applicant need not read about.
STAFF_ONLY = {AuditAction.STEP_CLAIM, AuditAction.STEP_ASSIGN, AuditAction.MATERIAL_VIEW}


@dataclass(frozen=True)
class Entry:
    at: datetime
    who: str  # person and unit, or 系统
    text: str


def _name(kind: object, renewal: bool) -> str:
    return matter_label(str(kind), renewal=renewal) if kind in MatterType.values else ""


def _text(event: AuditEvent, kinds: Collection[str] | None, renewal: bool = False) -> str:
    """``renewal``: the application's certificate matter is a 换证 (said at submission)."""
    d = event.detail or {}
    a = event.action

    def _matter(detail: dict[str, Any]) -> str:
        return _name(detail.get("matter"), renewal)

    if a == AuditAction.APPLICATION_SUBMIT:
        names = "、".join(
            _name(k, renewal) for k in d.get("matters", []) if kinds is None or k in kinds
        )
        return f"提交申请：{names}"
    if a == AuditAction.APPLICATION_ACCEPT:
        return "受理" if kinds is not None else f"受理，全部事项办结期限 {d.get('due')}"
    if a == AuditAction.STEP_DECIDE:
        text = f"{_matter(d)}·{d.get('step')}：{Outcome.LABELS.get(str(d.get('outcome')), '')}"
        if d.get("reason"):
            text += f"（理由：{bare(d['reason'])}）"
        if d.get("missing"):
            text += f"，需补正：{listing(d['missing'])}"
        if d.get("to"):
            text += f"，转至{d['to']}"
        return text + f"（环节期限 {d.get('due')}）"
    if a == AuditAction.MATTER_SUPPLY:
        return f"{_matter(d)}：已补正材料，计时恢复（暂停 {d.get('stopped_days')} 个工作日），期限顺延至 {d.get('due')}"
    if a == AuditAction.MATTER_RESUME:
        return f"{_matter(d)}：残疾人证已核发，自动继续办理，期限 {d.get('due')}"
    if a == AuditAction.MATTER_PRESS:
        return f"{_matter(d)}：督办{d.get('unit')}（{d.get('message')}）"
    if a in (AuditAction.STEP_OVERDUE, AuditAction.STEP_DUE_SOON):
        state = "已超期" if a == AuditAction.STEP_OVERDUE else "即将到期"
        return f"{_matter(d)}·{d.get('step')}{state}（期限 {d.get('due')}）"
    if a == AuditAction.STEP_CLAIM:
        return f"{_matter(d)}·{d.get('step')}：认领"
    if a == AuditAction.STEP_ASSIGN:
        return f"{_matter(d)}·{d.get('step')}：分派给同事"
    if a == AuditAction.APPLICATION_REFUSE:
        return f"不予受理（理由：{bare(d.get('reason', ''))}）"
    if a == AuditAction.APPLICATION_WITHDRAW:
        return "申请人撤回申请"
    if a == AuditAction.APPLICATION_CONCLUDE:
        return "全部事项办结，等待一次送达"
    if a == AuditAction.APPLICATION_DELIVER:
        return "办理结果已一次送达" + (f"（{d['note']}）" if d.get("note") else "")
    if a == AuditAction.HANDOVER_READY:
        names = "、".join(_name(k, renewal) for k in d.get("matters", []) if k in MatterType.values)
        early = "（应申请人要求先送）" if d.get("early") else ""
        return f"办理结果已备好待送达{early}：{names}"
    if a == AuditAction.HANDOVER_POSTED:
        return f"办理结果已寄出，邮件号 {d.get('tracking_no')}"
    if a == AuditAction.HANDOVER_RETURNED:
        return f"邮件 {d.get('tracking_no')} 被退回，窗口将联系申请人"
    if a == AuditAction.APPLICATION_PROPOSE:
        return f"平台发现可享受{_matter(d)}，主动推送，等待本人确认"
    if a == AuditAction.NOTICE:
        return f"已通知（{'、'.join(d.get('channels', []))}）：{NOTICE_EVENTS.get(str(d.get('event')), '')}"
    if a == AuditAction.APPLICATION_CONFIRM:
        return "申请人确认办理"
    return event.action_label


def _who(event: AuditEvent, for_citizen: bool) -> str:
    if event.org_unit is None:
        return "" if for_citizen else "系统"
    # Applicants see which office acted; staff see the officer too.
    return (
        event.org_unit.name
        if for_citizen or event.actor is None
        else f"{event.org_unit.name} {event.actor.display_name}"
    )


def timeline(
    application: Application, kinds: Collection[str] | None = None, for_citizen: bool = False
) -> list[Entry]:
    """The history; with ``kinds``, only what concerns those matters (按需共享 for officers)."""
    events = list(
        AuditEvent.objects.filter(subject_type="cases.application", subject_id=str(application.pk))
        .select_related("actor", "org_unit")
        .order_by("id")
    )
    renewal = any(
        e.action == AuditAction.APPLICATION_SUBMIT and "renews_certificate" in (e.detail or {})
        for e in events
    )
    return [
        Entry(e.at, _who(e, for_citizen), _text(e, kinds, renewal))
        for e in events
        if (kinds is None or (e.detail or {}).get("matter", next(iter(kinds), None)) in kinds)
        and not (for_citizen and e.action in STAFF_ONLY)
    ]

"""An application's history in plain words, read from its audit events."""

from collections.abc import Collection, Iterable
from dataclasses import dataclass
from datetime import datetime

from django.utils.translation import gettext, gettext_noop

from onestop.audit.models import AuditAction, AuditEvent
from onestop.core.words import bare, listing
from onestop.policy.matters import Matter as MatterType
from onestop.policy.matters import matter_label

from .chains import Outcome
from .models import Application

NOTICE_EVENTS = {
    "accepted": gettext_noop("受理"),
    "supplement": gettext_noop("需要补正"),
    "decided": gettext_noop("办理结果"),
    "delivered": gettext_noop("结果送达"),
    "ready": gettext_noop("结果已办好"),
    "posted": gettext_noop("结果已寄出"),
    "rating": gettext_noop("评价邀请"),
    "rating_answered": gettext_noop("对评价的回复"),
    "proactive": gettext_noop("可以享受的待遇"),
}
# Internal bookkeeping the applicant need not read about.
STAFF_ONLY = {AuditAction.STEP_CLAIM, AuditAction.STEP_ASSIGN, AuditAction.MATERIAL_VIEW}


@dataclass(frozen=True)
class Entry:
    at: datetime
    who: str  # person and unit, or 系统
    text: str


def _name(kind: object, renewal: bool) -> str:
    return gettext(matter_label(str(kind), renewal=renewal)) if kind in MatterType.values else ""


def _names(kinds: Iterable[str], renewal: bool) -> str:
    return gettext("、").join(_name(k, renewal) for k in kinds if k in MatterType.values)


def _said(text: object) -> str:
    """A recorded word in the reader's language where the catalog has it (a step's name, a
    channel, a material); as recorded otherwise (a region may name its own steps)."""
    return gettext(str(text)) if text else ""


def _text(event: AuditEvent, kinds: Collection[str] | None, renewal: bool = False) -> str:
    """``renewal``: the application's certificate matter is a 换证 (said at submission).
    Written in the reader's language; the reasons and units are as recorded."""
    d = event.detail or {}
    a = event.action
    matter = _name(d.get("matter"), renewal)
    step = _said(d.get("step"))
    due = d.get("due")

    if a == AuditAction.APPLICATION_SUBMIT:
        chosen = [k for k in d.get("matters", []) if kinds is None or k in kinds]
        return gettext("提交申请：{matters}").format(matters=_names(chosen, renewal))
    if a == AuditAction.APPLICATION_ACCEPT:
        if kinds is not None:
            return gettext("受理")
        return gettext("受理，全部事项办结期限 {due}").format(due=due)
    if a == AuditAction.STEP_DECIDE:
        outcome = _said(Outcome.LABELS.get(str(d.get("outcome")), ""))
        parts = [
            gettext("{matter}·{step}：{outcome}").format(matter=matter, step=step, outcome=outcome)
        ]
        if d.get("reason"):
            parts.append(gettext("（理由：{reason}）").format(reason=bare(d["reason"])))
        if d.get("missing"):
            missing = listing([_said(m) for m in d["missing"]])
            parts.append(gettext("，需补正：{missing}").format(missing=missing))
        if d.get("to"):
            parts.append(gettext("，转至{unit}").format(unit=d["to"]))
        parts.append(gettext("（环节期限 {due}）").format(due=due))
        return "".join(parts)
    if a == AuditAction.MATTER_SUPPLY:
        return gettext(
            "{matter}：已补正材料，计时恢复（暂停 {days} 个工作日），期限顺延至 {due}"
        ).format(matter=matter, days=d.get("stopped_days"), due=due)
    if a == AuditAction.MATTER_RESUME:
        return gettext("{matter}：残疾人证已核发，自动继续办理，期限 {due}").format(
            matter=matter, due=due
        )
    if a == AuditAction.MATTER_PRESS:
        return gettext("{matter}：督办{unit}（{message}）").format(
            matter=matter, unit=d.get("unit"), message=d.get("message")
        )
    if a == AuditAction.STEP_OVERDUE:
        return gettext("{matter}·{step}已超期（期限 {due}）").format(
            matter=matter, step=step, due=due
        )
    if a == AuditAction.STEP_DUE_SOON:
        return gettext("{matter}·{step}即将到期（期限 {due}）").format(
            matter=matter, step=step, due=due
        )
    if a == AuditAction.STEP_CLAIM:
        return gettext("{matter}·{step}：认领").format(matter=matter, step=step)
    if a == AuditAction.STEP_ASSIGN:
        return gettext("{matter}·{step}：分派给同事").format(matter=matter, step=step)
    if a == AuditAction.APPLICATION_REFUSE:
        return gettext("不予受理（理由：{reason}）").format(reason=bare(d.get("reason", "")))
    if a == AuditAction.APPLICATION_WITHDRAW:
        return gettext("申请人撤回申请")
    if a == AuditAction.APPLICATION_CONCLUDE:
        return gettext("全部事项办结，等待一次送达")
    if a == AuditAction.APPLICATION_DELIVER:
        if d.get("note"):
            return gettext("办理结果已一次送达（{note}）").format(note=d["note"])
        return gettext("办理结果已一次送达")
    if a == AuditAction.HANDOVER_READY:
        names = _names(d.get("matters", []), renewal)
        if d.get("early"):
            return gettext("办理结果已备好待送达（应申请人要求先送）：{matters}").format(
                matters=names
            )
        return gettext("办理结果已备好待送达：{matters}").format(matters=names)
    if a == AuditAction.HANDOVER_POSTED:
        return gettext("办理结果已寄出，邮件号 {mail_no}").format(mail_no=d.get("tracking_no"))
    if a == AuditAction.HANDOVER_RETURNED:
        return gettext("邮件 {mail_no} 被退回，窗口将联系申请人").format(
            mail_no=d.get("tracking_no")
        )
    if a == AuditAction.APPLICATION_PROPOSE:
        return gettext("平台发现可享受{matter}，主动推送，等待本人确认").format(matter=matter)
    if a == AuditAction.NOTICE:
        return gettext("已通知（{channels}）：{event}").format(
            channels=gettext("、").join(_said(c) for c in d.get("channels", [])),
            event=_said(NOTICE_EVENTS.get(str(d.get("event")), "")),
        )
    if a == AuditAction.APPLICATION_CONFIRM:
        return gettext("申请人确认办理")
    return _said(event.action_label)


def _who(event: AuditEvent, for_citizen: bool) -> str:
    if event.org_unit is None:
        return "" if for_citizen else gettext("系统")
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

from django import template
from django.utils.html import escape, format_html
from django.utils.translation import gettext

from onestop.core import clock
from onestop.core.templatetags.words import chinese
from onestop.core.words import clauses
from onestop.policy import calendar
from onestop.policy.matters import matter_label
from onestop.policy.reasons import shown_again

register = template.Library()


@register.filter
def countdown(due) -> str:
    """剩余 N 个工作日 / 今天到期 / 已超期 N 个工作日, for a due date."""
    if not due:
        return gettext("计时暂停")
    left = calendar.working_days_between(clock.today(), due)
    if left > 0:
        return gettext("剩余 {days} 个工作日").format(days=left)
    if left == 0:
        return gettext("今天到期")
    return gettext("已超期 {days} 个工作日").format(days=-left)


@register.filter
def is_overdue(due) -> bool:
    return bool(due) and due < clock.today()


@register.filter
def matter_name(kind, renewal) -> str:
    """A matter kind's name for this person: 残疾人证换领 when their card is due for 换证."""
    return matter_label(str(kind), renewal=bool(renewal))


@register.filter
def get(mapping, key):
    """mapping[key] in a template (a form's field by name, a dict's value)."""
    try:
        return mapping[key]
    except (KeyError, TypeError):
        return None


@register.filter
def result_text(result: dict) -> str:
    """A matter's result in words: the assessment, the amount, the certificate, the reason."""
    from onestop.people.identifiers import CATEGORIES, LEVELS

    if not result:
        return ""
    parts = []
    if result.get("category") in CATEGORIES and result.get("level") in LEVELS:
        parts.append(
            gettext("评定为{category}{level}").format(
                category=gettext(CATEGORIES[result["category"]]),
                level=gettext(LEVELS[result["level"]]),
            )
        )
    if result.get("valid_until"):
        parts.append(gettext("残疾人证有效期至 {day}").format(day=result["valid_until"]))
    if result.get("amount"):
        unit = gettext(result["unit"]) if result.get("unit") else ""
        parts.append(gettext("金额 {amount} {unit}").format(amount=result["amount"], unit=unit))
    if result.get("adjusted"):
        parts.append(
            gettext("（系统计算 {calculated} 元，经办人调整）").format(
                calculated=result.get("calculated")
            )
        )
    if result.get("reason"):
        parts.append(gettext("理由：{reason}").format(reason=result["reason"]))
    return clauses(parts, gettext("；"))


@register.filter
def prescreen_lines(prescreen: dict) -> list[str]:
    """The prescreen's reasons and the facts left to check, in the reader's language where the
    record kept what was said (older records show their Chinese, marked as such)."""
    kept = prescreen.get("said") or {}
    shown = [shown_again(r) for r in kept.get("reasons", [])]
    if kept and None not in shown:
        lines: list[str] = [escape(s) for s in shown]
        lines += [
            escape(gettext("待核实：{fact}（{holder}）").format(fact=gettext(f), holder=gettext(h)))
            for f, h in kept.get("missing", [])
        ]
        return lines
    return [chinese(r) for r in prescreen.get("reasons", [])] + [
        format_html("{}{}", gettext("待核实："), chinese(m)) for m in prescreen.get("missing", [])
    ]

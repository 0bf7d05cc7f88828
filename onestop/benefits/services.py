"""The payee's account and the paying agent's results (returns)."""

import csv
import io
from dataclasses import dataclass, field
from datetime import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext

from onestop.accounts.actors import Actor
from onestop.accounts.models import StaffUser
from onestop.accounts.roles import Role
from onestop.audit.models import AuditAction
from onestop.audit.services import audit_record
from onestop.core import clock, pii
from onestop.core.actions import ActionRefused
from onestop.core.words import MONTH, words
from onestop.notices.services import notify_application
from onestop.people.models import Person

from .events import payment_returned
from .models import ACCOUNT_CONTEXT, Kind, PayeeAccount, PaymentLine, PaymentRun, Recovery
from .selectors import pays, runs_visible_to

# The paying agent's result file: its columns and results, as the agents write them.
LINE, RESULT, REASON = "流水号", "结果", "原因"
SUCCESS, FAILURE = "成功", "失败"
# Who records a payee's account: the window (where the person comes) and the county 民政局.
ACCOUNT_ROLES = (Role.WINDOW_CLERK, Role.COUNTY_CIVIL)


def payee_account_set(
    *, actor: Actor, person: Person, bank: str, holder: str, number: str
) -> PayeeAccount:
    """Record (or correct) where the person's money goes; a line returned before is paid again
    in the next run."""
    if actor is not None and (
        actor.role not in ACCOUNT_ROLES
        or actor.scope is None
        or not actor.scope.contains(person.hukou_region)
    ):
        raise PermissionDenied(gettext("您没有登记该人员收款账户的权限。"))
    number = "".join(number.split())
    errors = {}
    if not bank.strip():
        errors["bank"] = gettext("请填写开户银行。")
    if not holder.strip():
        errors["holder"] = gettext("请填写户名。")
    if not (number.isdigit() and 10 <= len(number) <= 30):
        errors["number"] = gettext("账号应为 10 到 30 位数字。")
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        account, _ = PayeeAccount.objects.select_for_update().update_or_create(
            person=person,
            defaults={
                "bank": bank.strip(),
                "holder": holder.strip(),
                "number_cipher": pii.encrypt(number, context=ACCOUNT_CONTEXT),
                "updated_at": clock.now(),
            },
        )
        audit_record(
            actor=actor,
            action=AuditAction.PAYEE_ACCOUNT_SET,
            subject=person,
            detail={"bank": account.bank, "last4": number[-4:]},
        )
    return account


@dataclass
class ReturnsReport:
    paid: int = 0
    returned: int = 0
    unchanged: int = 0
    errors: list[str] = field(default_factory=list)


def _parse_returns(data: bytes) -> tuple[list[tuple[int, str, str]], list[str]]:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return [], [gettext("文件不是 UTF-8 编码的 CSV。")]
    reader = csv.DictReader(io.StringIO(text))
    if not reader.fieldnames or not {LINE, RESULT} <= set(reader.fieldnames):
        missing = gettext("文件须有“{line}”“{result}”两列（失败时另有“{reason}”列）。")
        return [], [missing.format(line=LINE, result=RESULT, reason=REASON)]
    rows, errors = [], []
    for number, record in enumerate(reader, start=2):
        line, result = (record.get(LINE) or "").strip(), (record.get(RESULT) or "").strip()
        if not line and not result:
            continue
        if not line.isdigit() or result not in (SUCCESS, FAILURE):
            errors.append(
                gettext("第 {n} 行：{line}应为数字，{result}应为“{ok}”或“{failed}”。").format(
                    n=number, line=LINE, result=RESULT, ok=SUCCESS, failed=FAILURE
                )
            )
            continue
        rows.append((int(line), result, (record.get(REASON) or "").strip()[:200]))
    return rows, errors


def returns_import(*, actor: Actor, data: bytes) -> ReturnsReport:
    """The paying agent's result file (CSV: 流水号, 结果, 原因). A file with any bad row is
    refused whole; importing the same file again changes nothing."""
    rows, errors = _parse_returns(data)
    if errors:
        return ReturnsReport(errors=errors)
    return returns_apply(actor=actor, rows=rows)


def returns_apply(*, actor: Actor, rows: list[tuple[int, str, str]]) -> ReturnsReport:
    """Results ``(line, 成功 or 失败, reason)`` for lines of released rolls the actor may see;
    none is applied if any line is unknown. A line returned stays returned."""
    if actor is not None and not pays(actor):
        raise PermissionDenied(gettext("只有办理待遇发放的工作人员可以登记代发结果。"))
    report = ReturnsReport()
    known = PaymentLine.objects.filter(
        pk__in=[pk for pk, _, _ in rows], run__status=PaymentRun.Status.RELEASED
    )
    if actor is not None:
        known = known.filter(run__in=runs_visible_to(actor))
    known = known.select_related("entitlement__matter__application", "run")
    lines = {line.pk: line for line in known}
    report.errors += [
        gettext("流水号 {n} 不是已发放名册中的明细。").format(n=pk)
        for pk, _, _ in rows
        if pk not in lines
    ]
    if report.errors:
        return report
    now = clock.now()
    dropped: list[int] = []  # lines whose recovery was dropped, named in the audit event
    with transaction.atomic():
        # Locked and read again: two imports of one file at once return each line once.
        current = dict(
            PaymentLine.objects.select_for_update()
            .filter(pk__in=list(lines))
            .values_list("pk", "status")
        )
        for pk, result, reason in rows:
            line = lines[pk]
            line.status = current[pk]
            if result == SUCCESS or line.status == PaymentLine.Status.RETURNED:
                report.unchanged += result == FAILURE
                report.paid += result == SUCCESS
                continue
            if _return(line, reason or "代发机构退回", now):
                dropped.append(line.pk)
            report.returned += 1
        audit_record(
            actor=actor,
            action=AuditAction.PAYMENT_RETURNS,
            subject=None,
            detail={
                "paid": report.paid,
                "returned": report.returned,
                "recoveries_dropped": dropped,
            },
        )
    return report


def _return(line: PaymentLine, reason: str, now: datetime) -> bool:
    """Mark the line returned; whether an open recovery of it was dropped."""
    line.status, line.return_reason, line.returned_at = PaymentLine.Status.RETURNED, reason, now
    line.save(update_fields=["status", "return_reason", "returned_at"])
    # The money did not go out: nothing to recover for this line.
    dropped, _ = Recovery.objects.filter(line=line, status=Recovery.Status.OPEN).delete()
    payment_returned(line, line.run.county_id)
    matter = line.entitlement.matter
    if matter is not None:
        notify_application(
            application=matter.application,
            event="payment_returned",
            month=words(MONTH, y=line.month.year, m=f"{line.month.month:02d}"),
            kind=Kind(line.kind).label,
            reason=reason,
        )
    return bool(dropped)


def recovery_resolve(
    *, actor: StaffUser, recovery: Recovery, recovered: bool, note: str
) -> Recovery:
    """Close a recovery: the money came back (追回), or it is written off by decision (核销),
    which needs the decision's reference in the note."""
    if not pays(actor):
        raise PermissionDenied(gettext("只有办理待遇发放的工作人员可以处理待追回款。"))
    note = note.strip()
    if not note:
        raise ValidationError({"note": gettext("请写明追回方式或核销依据。")})
    with transaction.atomic():
        recovery = (
            Recovery.objects.select_for_update()
            .select_related("line__run__county")
            .get(pk=recovery.pk)
        )
        if recovery.line.run not in runs_visible_to(actor):
            raise PermissionDenied(gettext("该待追回款不在您的办理范围内。"))
        if recovery.status != Recovery.Status.OPEN:
            raise ActionRefused(gettext("该待追回款已处理过了。"))
        recovery.status = Recovery.Status.RECOVERED if recovered else Recovery.Status.WAIVED
        recovery.note = note[:200]
        recovery.save(update_fields=["status", "note"])
        audit_record(
            actor=actor,
            action=AuditAction.RECOVERY_RESOLVE,
            subject=recovery.line.person,
            detail={"line": recovery.line_id, "status": recovery.status, "note": recovery.note},
        )
    return recovery

"""A roll's life after it is prepared (``prepare.py``): approved by another officer, released
as the paying agent's file with every line sent."""

from collections.abc import Iterator

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.core.files.base import ContentFile, File
from django.db import transaction
from django.utils.translation import gettext

from onestop.accounts.actors import Actor
from onestop.accounts.models import StaffUser
from onestop.audit.models import AuditAction
from onestop.audit.services import audit_record
from onestop.core import clock
from onestop.core.actions import ActionRefused
from onestop.policy.matters import MATTER_DEPARTMENT
from onestop.policy.matters import Matter as MatterType
from onestop.regions.models import Region

from .disbursement import Row, account_number, sm3, write_csv, write_xlsx
from .events import run_released
from .models import PaymentLine, PaymentRun
from .rolls import recoveries_open, sent_after_end
from .selectors import pays

# Which status a run may move to, and the word for the refusal.
RUN_MOVES = {
    PaymentRun.Status.PREPARING: {PaymentRun.Status.PREPARED},
    PaymentRun.Status.PREPARED: {PaymentRun.Status.APPROVED},
    PaymentRun.Status.APPROVED: {PaymentRun.Status.RELEASED},
    PaymentRun.Status.RELEASED: set(),
}


def run_move(run: PaymentRun, to: str) -> None:
    if to not in RUN_MOVES[PaymentRun.Status(run.status)]:
        raise ActionRefused(
            gettext("该发放名册当前为“{now}”，不能改为“{to}”。").format(
                now=gettext(run.get_status_display()), to=gettext(PaymentRun.Status(to).label)
            )
        )
    run.status = to


def check_officer(actor: Actor, county: Region, kind: str, roles: tuple[str, ...]) -> None:
    """Only the county's own department for the kind, in the roles configured for the step."""
    if actor is None:
        return  # the platform itself (the monthly schedule, the command)
    unit = actor.org_unit
    if (
        actor.role not in roles
        or unit is None
        or unit.department != MATTER_DEPARTMENT[MatterType(kind)]
        or actor.scope is None
        or not actor.scope.contains(county)
    ):
        raise PermissionDenied(gettext("您没有办理该旗县此项待遇发放的权限。"))


def run_approve(*, actor: StaffUser, run: PaymentRun) -> PaymentRun:
    """The checker: another officer than the one who prepared the roll."""
    check_officer(actor, run.county, run.kind, settings.BENEFITS_APPROVE_ROLES)
    with transaction.atomic():
        run = PaymentRun.objects.select_for_update().get(pk=run.pk)
        if run.prepared_by_id == actor.pk:
            raise ActionRefused(
                gettext("发放名册须由另一名工作人员审核，生成名册的人不能审核自己的名册。")
            )
        run_move(run, PaymentRun.Status.APPROVED)
        run.approved_by, run.approved_at = actor, clock.now()
        run.save(update_fields=["status", "approved_by", "approved_at"])
        audit_record(
            actor=actor,
            action=AuditAction.RUN_APPROVE,
            subject=run,
            detail={"lines": run.line_count, "total": str(run.total)},
        )
    return run


def _rows(run: PaymentRun) -> Iterator[Row]:
    lines = (
        PaymentLine.objects.filter(run=run)
        .select_related("person", "person__payee_account")
        .order_by("pk")
    )
    for line in lines.iterator(chunk_size=2000):
        account = getattr(line.person, "payee_account", None)
        yield Row(
            line=line,
            name=line.person.name,
            id_number=line.person.id_number,
            bank=account.bank if account else "",
            account=account_number(account.number_cipher) if account else "",
        )


def run_release(
    *, actor: StaffUser, run: PaymentRun, agent: str = "", fmt: str = "csv"
) -> PaymentRun:
    """Write the paying agent's file (kept encrypted, with its SM3 digest) and mark every line
    sent. Only an approved roll is released."""
    agent = agent or settings.BENEFITS_DEFAULT_AGENT
    if agent not in settings.BENEFITS_AGENTS:
        raise ActionRefused(gettext("未配置代发机构“{agent}”。").format(agent=agent))
    if fmt not in WRITERS:
        raise ActionRefused(gettext("代发文件格式只能是 CSV 或 Excel。"))
    check_officer(actor, run.county, run.kind, settings.BENEFITS_APPROVE_ROLES)
    with transaction.atomic():
        run = PaymentRun.objects.select_for_update().select_related("county").get(pk=run.pk)
        run_move(run, PaymentRun.Status.RELEASED)
        unpayable = run.lines.filter(person__payee_account__isnull=True).count()
        if unpayable:
            raise ActionRefused(
                gettext(
                    "有 {n} 笔明细的享受人员还没有登记收款账户，请先在人员页面登记后再发放。"
                ).format(n=unpayable)
            )
        data, count, total = WRITERS[fmt](run, agent, _rows(run))
        if count != run.line_count or total != run.total:  # the roll changed under the file
            raise ActionRefused(gettext("发放名册与代发文件的笔数或金额不一致，请重新生成名册。"))
        now = clock.now()
        batch = f"-{run.batch}" if run.batch else ""
        name = f"{run.county_id}-{run.kind}-{run.month:%Y%m}{batch}.{fmt}"
        run.file.save(name, ContentFile(data), save=False)
        run.digest, run.agent = sm3(data), agent
        run.released_by, run.released_at = actor, now
        run.save(update_fields=["status", "file", "digest", "agent", "released_by", "released_at"])
        run.lines.filter(status=PaymentLine.Status.PENDING).update(
            status=PaymentLine.Status.SENT, sent_at=now
        )
        recoveries_open(actor=actor, lines=sent_after_end(run))
        run_released(run)
        audit_record(
            actor=actor,
            action=AuditAction.RUN_RELEASE,
            subject=run,
            detail={"agent": agent, "lines": count, "total": str(total), "sm3": run.digest},
        )
    return run


WRITERS = {"csv": write_csv, "xlsx": write_xlsx}


def run_file_open(*, actor: StaffUser, run: PaymentRun) -> File:
    """The released roll's file (names, ID and account numbers in clear): only for those who
    pay, and every opening is audited."""
    if not pays(actor):
        raise PermissionDenied(gettext("只有办理待遇发放的工作人员可以下载代发文件。"))
    if not run.file:
        raise ActionRefused(gettext("该名册尚未发放，没有代发文件。"))
    with transaction.atomic():
        audit_record(
            actor=actor, action=AuditAction.RUN_FILE_OPEN, subject=run, detail={"sm3": run.digest}
        )
    return run.file.open("rb")

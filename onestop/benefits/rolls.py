"""The roll's figures, kept equal to the sum of its lines, and money sent that was not owed
(each recovery opened is audited, per entitlement)."""

from collections.abc import Iterable
from decimal import Decimal
from itertools import groupby
from typing import Any

from django.db.models import Count, F, Sum

from onestop.accounts.actors import Actor
from onestop.audit.models import AuditAction
from onestop.audit.services import Entry, audit_records
from onestop.core import clock
from onestop.people.models import Person

from .models import PaymentLine, PaymentRun, Recovery

# Lines leave a roll only before it is approved: what a checker approved is what is released.
OPEN_ROLLS = (PaymentRun.Status.PREPARING, PaymentRun.Status.PREPARED)


def run_figures(run_ids: Iterable[int]) -> dict[int, tuple[int, Decimal]]:
    """Each roll's count and total of lines, in one query."""
    lines = PaymentLine.objects.filter(run_id__in=list(run_ids)).values("run_id")
    figures = lines.annotate(n=Count("pk"), total=Sum("amount"))
    return {
        row["run_id"]: (row["n"], row["total"] or Decimal(0))
        for row in figures.values("run_id", "n", "total")
    }


def run_totals_refresh(run_ids: Iterable[int]) -> None:
    ids = list(run_ids)
    figures = run_figures(ids)
    for run_id in ids:
        count, total = figures.get(run_id, (0, Decimal(0)))
        PaymentRun.objects.filter(pk=run_id).update(line_count=count, total=total)


def lines_detail(lines: list[PaymentLine]) -> dict[str, Any]:
    """What an audit event says of the lines it touched: each one's id, roll, month and amount,
    and their total."""
    return {
        "lines": [
            {
                "line": ln.pk,
                "run": ln.run_id,
                "month": f"{ln.month:%Y-%m}",
                "amount": str(ln.amount),
            }
            for ln in lines
        ],
        "total": str(sum((ln.amount for ln in lines), Decimal(0))),
    }


def lines_remove(*, actor: Actor, lines: list[PaymentLine]) -> None:
    """Take lines off rolls not yet approved, with one audit event per entitlement naming
    them. The callers hold the rolls' locks."""
    if not lines:
        return
    lines = sorted(lines, key=lambda ln: (ln.entitlement_id, ln.month, ln.pk))
    PaymentLine.objects.filter(pk__in=[ln.pk for ln in lines]).delete()
    run_totals_refresh({ln.run_id for ln in lines})
    _audit_per_entitlement(actor, AuditAction.LINES_REMOVE, lines)


def recoveries_open(*, actor: Actor, lines: Iterable[PaymentLine]) -> list[Recovery]:
    """A recovery for each line sent for a month after its entitlement ended, and one audit
    event per entitlement naming its lines. The callers hold the locks that keep two of them
    from opening one line twice (the line's unique key refuses it anyway)."""
    lines = sorted(lines, key=lambda ln: (ln.entitlement_id, ln.month, ln.pk))
    now = clock.now()
    made = Recovery.objects.bulk_create(
        Recovery(line=ln, entitlement_id=ln.entitlement_id, amount=ln.amount, created_at=now)
        for ln in lines
    )
    _audit_per_entitlement(actor, AuditAction.RECOVERY_OPEN, lines)
    return made


def _audit_per_entitlement(actor: Actor, action: AuditAction, lines: list[PaymentLine]) -> None:
    """One event per entitlement naming its lines (sorted by entitlement), all in one write."""
    persons = Person.objects.in_bulk({ln.person_id for ln in lines})
    entries = []
    for entitlement_id, group in groupby(lines, key=lambda ln: ln.entitlement_id):
        some = list(group)
        detail = {"kind": some[0].kind, "entitlement": entitlement_id, **lines_detail(some)}
        entries.append(Entry(actor, action, persons[some[0].person_id], detail))
    audit_records(entries)


def sent_after_end(run: PaymentRun) -> Iterable[PaymentLine]:
    """Lines of a released roll for months after their entitlement ended (the end reported
    after the roll was approved)."""
    return run.lines.filter(
        status=PaymentLine.Status.SENT, entitlement__end__lt=F("month"), recovery__isnull=True
    )

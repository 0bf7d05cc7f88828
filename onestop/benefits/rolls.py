"""The roll's figures, kept equal to the sum of its lines, and money sent that was not owed."""

from collections.abc import Iterable
from decimal import Decimal

from django.db.models import Count, F, Sum

from onestop.core import clock

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


def recoveries_open(lines: Iterable[PaymentLine]) -> int:
    """A recovery for each line sent for a month after its entitlement ended."""
    made = 0
    for line in lines:
        Recovery.objects.get_or_create(
            line=line,
            defaults={
                "entitlement_id": line.entitlement_id,
                "amount": line.amount,
                "created_at": clock.now(),
            },
        )
        made += 1
    return made


def sent_after_end(run: PaymentRun) -> Iterable[PaymentLine]:
    """Lines of a released roll for months after their entitlement ended (the end reported
    after the roll was approved)."""
    return run.lines.filter(
        status=PaymentLine.Status.SENT, entitlement__end__lt=F("month"), recovery__isnull=True
    )

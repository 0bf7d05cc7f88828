"""The roll's figures, kept equal to the sum of its lines."""

from collections.abc import Iterable
from decimal import Decimal

from django.db.models import Count, Sum

from .models import PaymentLine, PaymentRun


def run_totals_refresh(run_ids: Iterable[int]) -> None:
    for run_id in run_ids:
        lines = PaymentLine.objects.filter(run_id=run_id)
        figures = lines.aggregate(n=Count("pk"), total=Sum("amount"))
        PaymentRun.objects.filter(pk=run_id).update(
            line_count=figures["n"], total=figures["total"] or Decimal(0)
        )

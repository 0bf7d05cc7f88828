from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from onestop.benefits.models import Entitlement, Kind
from onestop.benefits.months import parse_month
from onestop.benefits.prepare import CHUNK, runs_prepare
from onestop.regions.models import Region


class Command(BaseCommand):
    help = "Prepare the month's payment rolls (发放名册), per county and kind; safe to run again."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--month", required=True, help="YYYY-MM")
        parser.add_argument("--county", help="county division code, e.g. 150702 (default: all)")
        parser.add_argument(
            "--kind", choices=Kind.values, action="append", help="default: every kind"
        )
        parser.add_argument("--chunk", type=int, default=CHUNK, help=f"default {CHUNK}")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            month = parse_month(options["month"])
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        counties = Region.objects.filter(level="county").order_by("code")
        if options["county"]:
            counties = counties.filter(code=options["county"])
            if not counties:
                raise CommandError(f"没有代码为 {options['county']} 的旗县（市、区）。")
        for kind in options["kind"] or [Kind.LIVING, Kind.NURSING, Kind.MEDICAL]:
            label = f"{Kind(kind).label} {month:%Y年%m月}"
            paying = Entitlement.objects.filter(kind=kind).values("county_id")
            chosen = list(counties.filter(code__in=paying))
            if not chosen:
                self.stdout.write(f"{label}：没有享受人员，不生成名册。")
                continue

            def progress(done: int, total: int, label: str = label) -> None:
                self.stdout.write(f"  {label}：已处理 {done}/{total} 人")

            rolls = runs_prepare(
                actor=None,
                kind=kind,
                month=month,
                counties=chosen,
                chunk=options["chunk"],
                progress=progress,
            )
            for prepared in rolls:
                run = prepared.run
                self.stdout.write(
                    f"{run.county.name} {run.get_kind_display()} {run.period}：名册"
                    f" {run.line_count} 笔，合计 {run.total:.2f} 元"
                    f"（本次新增 {prepared.added} 笔，状态：{run.get_status_display()}）"
                )
            self.stdout.write(
                f"{label}：共 {len(rolls)} 份名册，{sum(p.run.line_count for p in rolls)} 笔，"
                f"合计 {sum(p.run.total for p in rolls):.2f} 元。"
            )

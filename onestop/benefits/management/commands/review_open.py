from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from onestop.benefits.models import Entitlement
from onestop.benefits.reviews import review_open
from onestop.regions.models import Region


class Command(BaseCommand):
    help = "Open the year's 定期复核 per county: everyone still paid, pre-checked, queued."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--year", type=int, required=True)
        parser.add_argument("--county", help="county division code (default: all)")

    def handle(self, *args: Any, year: int, county: str | None = None, **options: Any) -> None:
        if not 2000 <= year <= 2100:
            raise CommandError(f"年度“{year}”不对，应为四位年份，例如 2026。")
        counties = Region.objects.filter(level="county").order_by("code")
        if county:
            counties = counties.filter(code=county)
            if not counties:
                raise CommandError(f"没有代码为 {county} 的旗县（市、区）。")
        paying = Entitlement.objects.filter(end__isnull=True).values("county_id")
        for region in counties.filter(code__in=paying):
            review = review_open(actor=None, county=region, year=year)
            items = review.items.all()
            flagged = sum(1 for i in items if not all(i.precheck.values()))
            self.stdout.write(
                f"{region.name} {year} 年定期复核：{items.count()} 人，预核有疑问 {flagged} 人，"
                f"须在 {review.due_date:%Y年%-m月%-d日} 前复核完毕。"
            )

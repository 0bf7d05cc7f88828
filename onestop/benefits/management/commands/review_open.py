from argparse import ArgumentParser
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from onestop.benefits.models import Entitlement, ReviewItem
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
            pending = list(review.items.filter(status=ReviewItem.Status.PENDING))
            flagged = sum(1 for i in pending if not all(i.precheck.values()))
            to_county = sum(1 for i in pending if i.region_id == region.code)
            latest = max((i.due_date for i in pending), default=None)
            self.stdout.write(
                f"{region.name} {year} 年定期复核：待复核 {len(pending)} 人，"
                f"预核有疑问 {flagged} 人，户籍已不在本旗县、由民政局直接复核 {to_county} 人。"
                + (
                    f"每人自列入复核之日起 {settings.BENEFITS_REVIEW_DAYS} 个工作日内复核完毕，"
                    f"最晚的期限为 {latest:%Y年%-m月%-d日}。"
                    if latest
                    else ""
                )
            )

from datetime import date, timedelta

from django.core.management.base import BaseCommand, CommandError
from django.utils.timezone import localdate

from onestop.cases.models import Application
from onestop.core import clock
from onestop.policy.calendar import month_end
from onestop.reports.services import figures_rebuild


class Command(BaseCommand):
    help = "Recount the daily report figures (default: since the first submission), by month."

    def add_arguments(self, parser):
        parser.add_argument("--since", help="first day, YYYY-MM-DD")

    def handle(self, *args, **options):
        if options["since"]:
            try:
                start = date.fromisoformat(options["since"])
            except ValueError:
                raise CommandError("--since 应为 YYYY-MM-DD 格式的日期。") from None
        else:
            first = (
                Application.objects.filter(submitted_at__isnull=False)
                .order_by("submitted_at")
                .values_list("submitted_at", flat=True)
            )
            start = localdate(first[0]) if first else clock.today()
        end, rows = clock.today(), 0
        while start <= end:
            stop = min(end, month_end(start))
            rows += figures_rebuild(day_from=start, day_to=stop).rows
            self.stdout.write(f"{start:%Y-%m}：已重算，累计 {rows} 行")
            start = stop + timedelta(days=1)
        self.stdout.write(self.style.SUCCESS("统计数据已重算完毕。"))

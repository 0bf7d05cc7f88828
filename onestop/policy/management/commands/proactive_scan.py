from datetime import date
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from onestop.core import clock
from onestop.people.models import Person
from onestop.policy.services import ScanReport, proactive_scan


class Command(BaseCommand):
    help = "免申即享: scan the registry for matters people qualify for and do not receive."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--day", help="assessment day, YYYY-MM-DD (default today)")
        parser.add_argument("--batch", type=int, default=2000)

    def handle(self, *args: Any, day: str | None = None, batch: int = 2000, **options: Any) -> None:
        try:
            on = date.fromisoformat(day) if day else clock.today()
        except ValueError:
            raise CommandError(f"日期“{day}”无效，请按 YYYY-MM-DD 填写。") from None
        if batch < 1:
            raise CommandError("每批人数至少为 1。")
        total = Person.objects.count()

        def progress(report: ScanReport) -> None:
            self.stdout.write(f"已筛查 {report.persons}/{total} 人，新发现 {report.opened} 条线索")

        report = proactive_scan(day=on, batch_size=batch, progress=progress)
        self.stdout.write(
            f"筛查完成：{report.persons} 人，新发现 {report.opened} 条，"
            f"继续有效 {report.confirmed} 条，已不符合 {report.closed} 条。"
        )

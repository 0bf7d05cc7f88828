from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser

from onestop.audit.retention import retention_apply, retention_plan
from onestop.core import clock, partitions


class Command(BaseCommand):
    help = (
        "The monthly partitions of the big tables (PostgreSQL): their state; --ensure creates "
        "the coming months' (and moves rows out of DEFAULT); --archive applies the retention "
        "(with --yes; without it, only says what it would do)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--ensure", action="store_true", help="创建当月及之后几个月的分区")
        parser.add_argument("--archive", action="store_true", help="按保存期限分离或删除旧分区")
        parser.add_argument("--yes", action="store_true", help="确认执行 --archive")

    def handle(self, *args: Any, **options: Any) -> None:
        if not partitions.available():
            self.stdout.write("当前数据库不是 PostgreSQL：各表不分区，无需维护。")
            return
        today = clock.today()
        if options["ensure"]:
            created = partitions.ensure(today=today, ahead=settings.PARTITION_MONTHS_AHEAD)
            self.stdout.write(
                f"已新建 {len(created)} 个分区：{'、'.join(created)}"
                if created
                else "所需分区都已存在，默认分区中没有待移出的数据。"
            )
        if options["archive"]:
            self._archive(today, confirmed=options["yes"])
        if not options["ensure"] and not options["archive"]:
            self._status()

    def _archive(self, today: Any, *, confirmed: bool) -> None:
        plan = retention_plan(today=today)
        if not plan:
            self.stdout.write("没有超过保存期限的分区。")
            return
        for step in plan:
            self.stdout.write(step.describe())
        if not confirmed:
            self.stdout.write("以上仅为计划，未做任何改动；确认后加 --yes 执行。")
            return
        done = retention_apply(today=today)
        self.stdout.write(f"已处理 {len(done)} 个分区，每一项均已记入审计日志。")

    def _status(self) -> None:
        for name, table in partitions.TABLES.items():
            rule, months = settings.PARTITION_RETENTION[name]
            keep = "分离归档，永不删除" if rule == "detach" else "删除"
            self.stdout.write(f"{table.label}（{name}）：保留 {months} 个月，之后{keep}")
            for part in partitions.partitions(name):
                month = f"{part.month:%Y年%m月}" if part.month else "默认分区"
                state = "已挂载" if part.attached else "已分离"
                rows = "未统计" if part.rows < 0 else f"约 {part.rows} 行"
                space = f"，表空间 {part.tablespace}" if part.tablespace else ""
                self.stdout.write(f"  {month}  {part.name}  {state}  {rows}{space}")

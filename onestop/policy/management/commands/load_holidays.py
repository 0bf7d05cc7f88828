from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from onestop.policy.holidays import HolidayFileError, parse_holiday_file
from onestop.policy.services import holiday_notice_load


class Command(BaseCommand):
    help = "Load an official holiday schedule (JSON) for one year, replacing that year's days."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("files", nargs="+", metavar="FILE")

    def handle(self, *args: Any, files: list[str], **options: Any) -> None:
        for file in files:
            try:
                schedule = parse_holiday_file(Path(file).read_bytes())
            except OSError as exc:
                raise CommandError(f"无法读取节假日文件 {file}：{exc.strerror}") from exc
            except HolidayFileError as exc:
                raise CommandError(f"节假日文件 {file} 有误，未导入：{exc}") from exc
            holiday_notice_load(actor=None, schedule=schedule)
            self.stdout.write(f"已导入 {schedule.year} 年节假日安排（{len(schedule.days)} 天）。")

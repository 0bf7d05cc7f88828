from argparse import ArgumentParser
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from onestop.benefits.services import returns_import


class Command(BaseCommand):
    help = "Import a paying agent's result file (CSV: 流水号, 结果, 原因); safe to import twice."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("file")

    def handle(self, *args: Any, file: str, **options: Any) -> None:
        try:
            data = Path(file).read_bytes()
        except OSError as exc:
            raise CommandError(f"无法读取文件 {file}：{exc}") from exc
        report = returns_import(actor=None, data=data)
        if report.errors:
            raise CommandError("文件有误，未导入任何结果：\n" + "\n".join(report.errors))
        self.stdout.write(
            f"已导入：成功 {report.paid} 笔，退回 {report.returned} 笔，"
            f"此前已登记 {report.unchanged} 笔。退回的明细已进入待处理清单，并已通知本人。"
        )

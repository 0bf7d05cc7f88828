from argparse import ArgumentParser
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from onestop.regions.loader import RegionFileError
from onestop.regions.services import regions_load


class Command(BaseCommand):
    help = "Load (idempotently) the division tree and org units; default is the bundled CSV."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("file", nargs="?", help="CSV with code,name,level,parent_code")

    def handle(self, *args: Any, file: str | None = None, **options: Any) -> None:
        text = None
        if file:
            try:
                text = Path(file).read_text(encoding="utf-8")
            except (OSError, UnicodeDecodeError) as exc:
                raise CommandError(f"无法读取区划文件 {file}：{exc}") from exc
        try:
            counts = regions_load(actor=None, text=text)
        except RegionFileError as exc:
            raise CommandError(f"区划文件有误，未导入任何数据：{exc}") from exc
        self.stdout.write(
            "行政区划已导入：新增 {regions_created} 个，更新 {regions_changed} 个；"
            "新增单位 {units_created} 个。".format(**counts)
        )

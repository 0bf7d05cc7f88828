import json
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from onestop.exchange.sync import import_records


class Command(BaseCommand):
    help = (
        "Import shared-data records from a JSON Lines file (one record per line), in batches, "
        "reporting each bad line by its number."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file")
        parser.add_argument("--batch", type=int, default=5000, help="records per batch")

    def handle(self, *args: Any, file: str, batch: int, **options: Any) -> None:
        if batch < 1:
            raise CommandError("--batch 应为正整数。")
        path = Path(file)
        try:
            with path.open(encoding="utf-8") as lines:
                total = sum(1 for _ in lines)
            stream = path.open(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise CommandError(f"无法读取 {file}：{exc}") from exc
        count = {"applied": 0, "stale": 0, "error": 0}
        records: list = []
        line_numbers: list[int] = []
        with stream:
            for number, line in enumerate(stream, start=1):
                if line.strip():
                    try:
                        records.append(json.loads(line))
                        line_numbers.append(number)
                    except ValueError:
                        self.stdout.write(f"第 {number} 行不是有效的 JSON，已跳过。")
                        count["error"] += 1
                if len(records) == batch:
                    self._apply(records, line_numbers, count)
                    records, line_numbers = [], []
                    self.stdout.write(f"已处理 {number:,} / {total:,} 行。")
        self._apply(records, line_numbers, count)
        self.stdout.write(
            f"共 {sum(count.values())} 条：生效 {count['applied']}，"
            f"版本较旧未采用 {count['stale']}，有误 {count['error']}。"
            + ("人员情况有变化的，由后台任务复查免申即享。" if count["applied"] else "")
        )

    def _apply(self, records: list, line_numbers: list[int], count: dict[str, int]) -> None:
        if not records:
            return
        for r in import_records(actor=None, records=records):
            count[r.status] += 1
            if r.status == "error":
                self.stdout.write(f"第 {line_numbers[r.index]} 行有误：{r.message}")

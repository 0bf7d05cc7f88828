import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from onestop.exchange.sync import import_records


class Command(BaseCommand):
    help = "Import shared-data records from a JSON Lines file (one record per line)."

    def add_arguments(self, parser):
        parser.add_argument("file")

    def handle(self, *args, file, **options):
        try:
            lines = Path(file).read_text(encoding="utf-8").splitlines()
        except (OSError, UnicodeDecodeError) as exc:
            raise CommandError(f"无法读取 {file}：{exc}") from exc
        records, results_prefix = [], []
        for number, line in enumerate(lines, start=1):
            if not line.strip():
                continue
            try:
                records.append(json.loads(line))
            except ValueError:
                results_prefix.append(f"第 {number} 行不是有效的 JSON，已跳过。")
        results = import_records(actor=None, records=records)
        for message in results_prefix:
            self.stdout.write(message)
        for r in results:
            if r.status == "error":
                self.stdout.write(f"第 {r.index + 1} 条记录有误：{r.message}")
        count = {s: sum(1 for r in results if r.status == s) for s in ("applied", "stale", "error")}
        self.stdout.write(
            f"共 {len(results)} 条：生效 {count['applied']}，版本较旧未采用 {count['stale']}，"
            f"有误 {count['error'] + len(results_prefix)}。"
        )

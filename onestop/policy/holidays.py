"""Parse an official holiday schedule file (the JSON shape of ../data/holidays/*.json)."""

import json
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

BUNDLED = Path(__file__).parent / "data" / "holidays"


class HolidayFileError(ValueError):
    pass


@dataclass(frozen=True)
class HolidaySchedule:
    year: int
    papers: list[str]
    days: dict[date, tuple[bool, str]]  # date -> (is day off, festival name)


def parse_holiday_file(raw: bytes | str) -> HolidaySchedule:
    try:
        data = json.loads(raw)
    except (ValueError, UnicodeDecodeError) as exc:
        raise HolidayFileError(f"节假日文件不是有效的 JSON：{exc}") from None
    if not isinstance(data, dict):
        raise HolidayFileError("节假日文件的内容应为一个对象，包含 year 和 days。")
    year = data.get("year")
    if not isinstance(year, int) or isinstance(year, bool) or not 1949 < year < 2200:
        raise HolidayFileError("字段 year（年份）缺失或不是有效的年份。")
    papers = data.get("papers", [])
    if not isinstance(papers, list) or not all(isinstance(p, str) for p in papers):
        raise HolidayFileError("字段 papers（通知来源）应为文字列表。")
    items = data.get("days")
    if not isinstance(items, list) or not items:
        raise HolidayFileError("字段 days（调整日期列表）缺失或为空。")
    days: dict[date, tuple[bool, str]] = {}
    for i, item in enumerate(items):
        where = f"days 第 {i + 1} 项"
        if not isinstance(item, dict):
            raise HolidayFileError(f"{where}应为一个对象。")
        try:
            day = date.fromisoformat(str(item.get("date")))
        except ValueError:
            raise HolidayFileError(f"{where}的 date“{item.get('date')}”不是有效日期。") from None
        if day.year != year:
            raise HolidayFileError(f"{where}的日期 {day} 不属于 {year} 年。")
        off = item.get("isOffDay")
        if not isinstance(off, bool):
            raise HolidayFileError(f"{where}的 isOffDay 应为 true（放假）或 false（上班）。")
        if day in days:
            raise HolidayFileError(f"{where}的日期 {day} 重复出现。")
        name = item.get("name", "")
        days[day] = (off, name if isinstance(name, str) else "")
    return HolidaySchedule(year, papers, days)


def load_bundled(notice_model: type[Any], day_model: type[Any]) -> None:
    """Load the official schedules shipped with the project, for years not loaded yet.

    The models are the migration's historical ones, hence untyped."""
    for file in sorted(BUNDLED.glob("*.json")):
        schedule = parse_holiday_file(file.read_bytes())
        notice, created = notice_model.objects.get_or_create(
            year=schedule.year, defaults={"papers": schedule.papers}
        )
        if created:
            day_model.objects.bulk_create(
                day_model(notice=notice, date=d, is_off=off, name=name)
                for d, (off, name) in sorted(schedule.days.items())
            )

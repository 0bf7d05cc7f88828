"""Load the division tree from CSV (code,name,level,parent_code) and derive the org units.

Used by the initial data migration (with historical models) and by ``load_regions``; it is
idempotent and refuses a broken file as a whole.
"""

import csv
import io
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Any

DATA_FILE = Path(__file__).parent / "data" / "inner-mongolia-150000.csv"
LEVELS = ("province", "city", "county", "township")
CODE_LENGTH = {"province": 6, "city": 6, "county": 6, "township": 9}
DEPARTMENTS = ("cdpf", "civil", "medical", "hrss", "gov")
UNIT_SUFFIX = {
    "cdpf": "残疾人联合会",
    "civil": "民政局",
    "medical": "医疗保障局",
    "hrss": "人力资源和社会保障局",
    "gov": "政务服务局",
}


# Until a county enters its own, its window is in its 政务服务中心 and keeps the usual hours.
WINDOW_HOURS = "工作日上午8:30至12:00、下午14:30至17:30，法定节假日除外"


def fill_windows(unit_model: Any) -> int:
    """Give each county 残联 window without an address the default place and hours."""
    blank = unit_model.objects.filter(department="cdpf", region__level="county", address="")
    units = list(blank.select_related("region"))
    for unit in units:
        unit.address = f"{unit.region.name}政务服务中心一楼"
        unit.opening_hours = unit.opening_hours or WINDOW_HOURS
    unit_model.objects.bulk_update(units, ["address", "opening_hours"], batch_size=500)
    return len(units)


class RegionFileError(ValueError):
    pass


@dataclass(frozen=True)
class Row:
    code: str
    name: str
    level: str
    parent_code: str


def parse_rows(text: str) -> list[Row]:
    reader = csv.DictReader(io.StringIO(text))
    if reader.fieldnames != ["code", "name", "level", "parent_code"]:
        raise RegionFileError("区划文件的表头应为 code,name,level,parent_code。")
    rows: list[Row] = []
    seen: set[str] = set()
    for line, raw in enumerate(reader, start=2):
        row = Row(*(raw[k].strip() for k in ("code", "name", "level", "parent_code")))
        if row.level not in LEVELS:
            raise RegionFileError(f"第 {line} 行：层级“{row.level}”无效。")
        if not row.code.isdigit() or len(row.code) != CODE_LENGTH[row.level]:
            raise RegionFileError(f"第 {line} 行：区划代码“{row.code}”格式不正确。")
        if not row.name:
            raise RegionFileError(f"第 {line} 行：名称不能为空。")
        if row.code in seen:
            raise RegionFileError(f"第 {line} 行：区划代码“{row.code}”重复。")
        seen.add(row.code)
        rows.append(row)
    by_code = {r.code: r for r in rows}
    roots = [r for r in rows if not r.parent_code]
    if len(roots) != 1:
        raise RegionFileError("区划文件必须有且只有一个顶级区划。")
    for r in rows:
        if r.parent_code and r.parent_code not in by_code:
            raise RegionFileError(f"区划“{r.code}”的上级代码“{r.parent_code}”不存在。")
        if r.parent_code and LEVELS.index(by_code[r.parent_code].level) >= LEVELS.index(r.level):
            raise RegionFileError(f"区划“{r.code}”的层级不低于其上级。")
    return rows


def nested_sets(rows: list[Row]) -> dict[str, tuple[int, int]]:
    children: dict[str, list[str]] = defaultdict(list)
    root = ""
    for r in rows:
        if r.parent_code:
            children[r.parent_code].append(r.code)
        else:
            root = r.code
    bounds: dict[str, tuple[int, int]] = {}
    counter = 0
    stack: list[tuple[str, bool]] = [(root, False)]
    left: dict[str, int] = {}
    while stack:
        code, done = stack.pop()
        counter += 1
        if done:
            bounds[code] = (left[code], counter)
            continue
        left[code] = counter
        stack.append((code, True))
        stack.extend((c, False) for c in sorted(children[code], reverse=True))
    return bounds


def unit_name(department: str, region_name: str, level: str) -> str:
    if level == "township":
        return f"{region_name}民政办"
    return region_name + UNIT_SUFFIX[department]


def load_regions(region_model: Any, unit_model: Any, text: str | None = None) -> dict[str, int]:
    """Upsert regions and org units; returns counts of what was created or changed."""
    rows = parse_rows(text if text is not None else DATA_FILE.read_text(encoding="utf-8"))
    bounds = nested_sets(rows)
    existing = {r.code: r for r in region_model.objects.all()}
    fields = ("name", "level", "parent_id", "lft", "rgt")
    new, changed = [], []
    for row in rows:
        lft, rgt = bounds[row.code]
        values = dict(
            zip(fields, (row.name, row.level, row.parent_code or None, lft, rgt), strict=True)
        )
        current = existing.get(row.code)
        if current is None:
            new.append(region_model(code=row.code, **values))
        elif any(getattr(current, k) != v for k, v in values.items()):
            for k, v in values.items():
                setattr(current, k, v)
            changed.append(current)
    # Parents before children, so each foreign key target exists when its child is written.
    new.sort(key=lambda r: LEVELS.index(r.level))
    region_model.objects.bulk_create(new, batch_size=500)
    region_model.objects.bulk_update(changed, fields, batch_size=500)

    have_units = set(unit_model.objects.values_list("department", "region_id"))
    units = []
    for row in rows:
        departments = ("civil",) if row.level == "township" else DEPARTMENTS
        for dept in departments:
            if (dept, row.code) not in have_units:
                units.append(
                    unit_model(
                        code=f"{dept}-{row.code}",
                        name=unit_name(dept, row.name, row.level),
                        department=dept,
                        region_id=row.code,
                    )
                )
    unit_model.objects.bulk_create(units, batch_size=500)
    return {
        "regions_created": len(new),
        "regions_changed": len(changed),
        "units_created": len(units),
    }

"""What every shared record has: its type, version, source and holder, checked alike; and how
each record's outcome is reported."""

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from onestop.accounts.actors import Actor
from onestop.people.identifiers import IdNumber, parse_id_number
from onestop.regions.models import Region

# Which department's systems may send which records.
RECORD_TYPES = {
    "certificate": "cdpf",
    "dibao": "civil",
    "dibao_marginal": "civil",
    "low_income": "civil",
    "tekun": "civil",
    "orphan_support": "civil",
    "hukou": "civil",
    "death": "civil",
    "resident_medical": "medical",
    "resident_pension": "hrss",
    "employee_pension": "hrss",
    "work_injury_nursing": "hrss",
    "long_term_care": "cdpf",
    # Held by 公安, 教育, 司法 and 组织 systems: through the platform's own import only.
    "student": "gov",
    "imprisoned": "gov",
    "retired_cadre": "gov",
}


NOT_REGISTERED = "登记库中没有这个身份证号的人员。"
OUT_OF_SCOPE = "该人员不在本单位管辖范围内。"


class RecordError(ValueError):
    pass


@dataclass(frozen=True)
class RecordResult:
    index: int
    status: str  # "applied", "stale" (an older version, ignored) or "error"
    message: str = ""


def record_field(record: Any, name: str) -> Any:
    if not isinstance(record, dict) or name not in record:
        raise RecordError(f"缺少字段 {name}。")
    return record[name]


def record_header(
    record: Any, department: str | None, today: date
) -> tuple[str, datetime, str, IdNumber]:
    """Type, version, source and ID number, checked alike for every kind of record."""
    kind = record_field(record, "type")
    if kind not in RECORD_TYPES:
        raise RecordError(f"记录类型“{kind}”无效。")
    if department is not None and RECORD_TYPES[kind] != department:
        raise RecordError(f"本系统不能报送“{kind}”类记录。")
    raw_version = str(record_field(record, "version"))
    try:
        version = datetime.fromisoformat(raw_version)
    except ValueError:
        raise RecordError("version 应为带时区的时间，如 2026-11-29T10:00:00+08:00。") from None
    if version.tzinfo is None:
        raise RecordError("version 须带时区。")
    source = str(record_field(record, "source"))[:64] or "未注明"
    return (
        kind,
        version,
        source,
        parse_id_number(str(record_field(record, "id_number")), today=today),
    )


def out_of_scope(actor: Actor, lft: int) -> bool:
    """Whether the region at ``lft`` (of the nested set) lies outside the actor's scope."""
    return (
        actor is not None and actor.scope is not None and not actor.scope.contains(Region(lft=lft))
    )

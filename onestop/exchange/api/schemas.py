"""What the API reads and answers, as JSON Schema."""

import re
from datetime import date
from typing import Annotated, Literal

from ninja import Field, Schema
from pydantic import PlainValidator, WithJsonSchema

from onestop.core.api_fields import Money, SharedValue, Text


class ErrorOut(Schema):
    detail: list[dict[str, str]] | str


class StepOut(Schema):
    id: int
    name: str
    unit: str
    due_date: date
    assignee: str | None


class PersonOut(Schema):
    name: str
    sex: str
    birth_date: date
    id_number: str = Field(
        description="完整号码只在读取单个事项时提供给可查看完整身份证号的岗位（并记入审计）；"
        "列表和办理结果中为掩码（前 6 位和后 4 位）。"
    )
    hukou_region: str
    hukou_region_name: str
    phone: str | None = None
    address: str | None = None
    dibao_category: str | None = None


class GuardianOut(Schema):
    kind: str
    name: str
    relation: str
    phone: str
    address: str | None = None


class MatterOut(Schema):
    id: int
    tracking_no: str
    matter: str
    matter_name: str
    status: str
    status_label: str
    due_date: date | None
    current_step: StepOut | None
    applicant: PersonOut
    guardian: GuardianOut | None = None
    prescreen: dict
    answers: dict
    result: dict


class PageOut(Schema):
    items: list[MatterOut]
    next_cursor: str | None


# Every string the pattern matches is a place in the (due date, step) order, so any cursor the
# schema allows is read as one; re.search as JSON Schema matches, for the schema and the server
# to agree to the last character.
CURSOR_PATTERN = r"^[0-9]{1,7}-[0-9]{1,18}$"


def _decode_cursor(value: object) -> tuple[date, int]:
    if not isinstance(value, str) or not re.search(CURSOR_PATTERN, value):
        raise ValueError("分页游标无效，请使用上一页返回的 next_cursor，或从第一页重新读取。")
    day, pk = value.split("-")
    return date.fromordinal(min(max(int(day), 1), date.max.toordinal())), int(pk)


Cursor = Annotated[
    tuple[date, int],
    PlainValidator(_decode_cursor),
    WithJsonSchema(
        {
            "type": "string",
            "pattern": CURSOR_PATTERN,
            "description": "上一页返回的 next_cursor，原样传回",
        }
    ),
]


class DecisionIn(Schema):
    step_id: int
    outcome: Literal["approve", "reject", "return", "transfer"]
    reason: Text = ""
    missing_materials: list[Text] = []
    transfer_to: Text | None = None  # org unit code
    category: int | None = None
    level: int | None = None
    amount: Money | None = None


class DocumentOut(Schema):
    id: int
    code: str
    content_type: str
    size: int


class SharedRecordIn(Schema):
    id_number: Text
    type: Text
    value: SharedValue
    source: Text
    version: Text


class SharedBatchIn(Schema):
    records: list[SharedRecordIn]


class RecordResultOut(Schema):
    index: int
    status: Literal["applied", "stale", "error"]
    message: str


class SharedBatchOut(Schema):
    applied: int
    stale: int
    errors: int
    results: list[RecordResultOut]


class PostalStatusIn(Schema):
    status: Literal["delivered", "returned"]
    tracking_no: Text = ""


class HandoverOut(Schema):
    id: int
    method: str
    status: str
    tracking_no: str

"""Field types whose OpenAPI schema says exactly what the validation accepts."""

import re
from decimal import Decimal
from typing import Annotated, Any

from pydantic import BeforeValidator, PlainValidator, WithJsonSchema

# Matched as JSON Schema matches a pattern (re.search), so the schema and the server agree on
# every string, to the last character.
MONEY_PATTERN = r"^[0-9]{1,10}(\.[0-9]{1,2})?$"


def _money(value: Any) -> Decimal:
    if not isinstance(value, str) or not re.search(MONEY_PATTERN, value):
        raise ValueError('应为用文字写的金额（元），不能为负数，最多两位小数，如 "1200.50"。')
    return Decimal(value)


Money = Annotated[
    Decimal,
    PlainValidator(_money),
    WithJsonSchema(
        {
            "type": "string",
            "pattern": MONEY_PATTERN,
            "description": "金额（元），用文字写，最多两位小数",
            "examples": ["1200.50"],
        }
    ),
]


def _json_type(value: Any) -> Any:
    # Pydantic would read 0 and 1 as false and true: a JSON number is none of the types allowed.
    if not isinstance(value, bool | str | dict):
        raise ValueError("应为 true、false、文字或对象（按记录类型）。")
    return value


SharedValue = Annotated[bool | str | dict, BeforeValidator(_json_type)]


CODE_PATTERN = r"^[a-z][a-z0-9_]{0,31}$"
# A form field is text: in a multipart body a number, a boolean or null arrives as "292", "true"
# or "null". Codes start with a letter and are none of those words, so such a value is refused.
NOT_CODES = ("true", "false", "null")


def _code(value: Any) -> str:
    if not isinstance(value, str) or not re.search(CODE_PATTERN, value) or value in NOT_CODES:
        raise ValueError(
            "应为材料代码：以小写字母开头，由小写字母、数字和下划线组成，不超过 32 个字符，"
            "如 decision_notice。"
        )
    return value.rstrip("\n")


Code = Annotated[
    str,
    PlainValidator(_code),
    WithJsonSchema(
        {
            "type": "string",
            "pattern": CODE_PATTERN,
            "not": {"enum": list(NOT_CODES)},
            "examples": ["decision_notice"],
        }
    ),
]


TEXT_PATTERN = r"^[^\u0000]*$"


def _text(value: Any) -> str:
    # PostgreSQL text cannot hold a NUL character; say so instead of failing at the database.
    if not isinstance(value, str):
        raise ValueError("应为文字。")
    if "\x00" in value:
        raise ValueError("不能包含空字符（\\u0000）。")
    return value


Text = Annotated[
    str, PlainValidator(_text), WithJsonSchema({"type": "string", "pattern": TEXT_PATTERN})
]

"""Rule parameters: what varies by region and date is configuration, not code.

A parameter row gives one key a value for a region (and its whole subtree) over a date range.
For an assessment in region R on day D, each key takes the row of the *nearest* ancestor of R
(R itself included) whose range contains D.

``SPEC`` lists every key with its kind and the Inner Mongolia default shipped from 2019-01-01.
Values the plan does not give are marked ``example``: replace them with the local notice.
"""

from collections import defaultdict
from collections.abc import ItemsView, Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any


@dataclass(frozen=True)
class ParamSpec:
    key: str
    label: str
    kind: str  # "money", "ratio", "bool", "int"
    default: Any
    example: bool = False  # True: not from a sourced notice; replace with the local value
    source: str = ""


SPEC: dict[str, ParamSpec] = {
    s.key: s
    for s in [
        ParamSpec(
            "living.monthly_amount",
            "困难残疾人生活补贴标准（元/人/月）",
            "money",
            "100",
            source="内蒙古自治区民政厅、财政厅，2019年1月1日起执行",
        ),
        ParamSpec("living.include_marginal", "生活补贴扩大到低保边缘家庭", "bool", False),
        ParamSpec("living.include_low_income", "生活补贴扩大到其他低收入家庭", "bool", False),
        ParamSpec(
            "nursing.annual_amount",
            "重度残疾人护理补贴标准（元/人/年）",
            "money",
            "1200",
            source="内蒙古自治区民政厅、财政厅，2019年1月1日起执行",
        ),
        ParamSpec(
            "nursing.include_level34_mental",
            "护理补贴扩大到三、四级智力和精神残疾人",
            "bool",
            False,
        ),
        ParamSpec("medical.ratio_tekun", "医疗救助比例：特困人员", "ratio", "1.00", example=True),
        ParamSpec("medical.ratio_dibao", "医疗救助比例：低保对象", "ratio", "0.70", example=True),
        ParamSpec(
            "medical.ratio_marginal",
            "医疗救助比例：低保边缘家庭成员（0 表示不救助）",
            "ratio",
            "0.60",
            example=True,
        ),
        ParamSpec(
            "medical.deductible_tekun",
            "医疗救助起付标准：特困人员（元/年）",
            "money",
            "0",
            example=True,
        ),
        ParamSpec(
            "medical.deductible_dibao",
            "医疗救助起付标准：低保对象（元/年）",
            "money",
            "0",
            example=True,
        ),
        ParamSpec(
            "medical.deductible_marginal",
            "医疗救助起付标准：低保边缘家庭成员（元/年）",
            "money",
            "1000",
            example=True,
        ),
        ParamSpec(
            "medical.annual_cap", "医疗救助年度最高限额（元）", "money", "30000", example=True
        ),
        ParamSpec(
            "pension.min_tier_amount",
            "城乡居民养老保险最低缴费档次（元/年），政府代缴",
            "money",
            "200",
            example=True,
        ),
        ParamSpec(
            "pension.max_contribution_age", "城乡居民养老保险缴费截止年龄（周岁）", "int", 60
        ),
    ]
}
DEFAULT_FROM = date(2019, 1, 1)


class ParameterError(ValueError):
    pass


def parse_value(key: str, raw: Any) -> Any:
    """Check and normalise a value for ``key``; the error message is for the admin form."""
    spec = SPEC.get(key)
    if spec is None:
        raise ParameterError(f"参数“{key}”不存在。")
    if spec.kind == "bool":
        if isinstance(raw, bool):
            return raw
        if str(raw).strip().lower() in {"true", "1", "是"}:
            return True
        if str(raw).strip().lower() in {"false", "0", "否"}:
            return False
        raise ParameterError(f"{spec.label}只能填“是”或“否”。")
    if spec.kind == "int":
        try:
            whole = int(str(raw).strip())
        except ValueError:
            raise ParameterError(f"{spec.label}应为整数。") from None
        if not 0 < whole < 150:
            raise ParameterError(f"{spec.label}应在 1 至 149 之间。")
        return whole
    try:
        value = Decimal(str(raw).strip())
    except InvalidOperation:
        raise ParameterError(f"{spec.label}应为数字。") from None
    if not value.is_finite() or value < 0:
        raise ParameterError(f"{spec.label}不能为负数。")
    if spec.kind == "ratio" and value > 1:
        raise ParameterError(f"{spec.label}应在 0 至 1 之间（例如 0.7 表示 70%）。")
    return value.quantize(Decimal("0.0001") if spec.kind == "ratio" else Decimal("0.01"))


def to_json(key: str, value: Any) -> Any:
    return str(value) if SPEC[key].kind in {"money", "ratio"} else value


@dataclass(frozen=True)
class ParamRow:
    key: str
    region_code: str
    valid_from: date
    valid_to: date | None
    value: Any  # already parsed
    example: bool = False

    def covers(self, day: date) -> bool:
        return self.valid_from <= day and (self.valid_to is None or day <= self.valid_to)


@dataclass(frozen=True)
class ResolvedParam:
    value: Any
    region_code: str
    valid_from: date
    example: bool


class RuleParams:
    """The parameters in force for one region on one day; missing keys read as None."""

    __slots__ = ("_values",)

    def __init__(self, values: dict[str, ResolvedParam]):
        self._values = values

    def __getitem__(self, key: str) -> Any:
        found = self._values.get(key)
        return None if found is None else found.value

    def source(self, key: str) -> ResolvedParam | None:
        return self._values.get(key)

    def items(self) -> ItemsView[str, ResolvedParam]:
        return self._values.items()

    @classmethod
    def defaults(cls) -> "RuleParams":
        return cls(
            {
                k: ResolvedParam(parse_value(k, s.default), "", DEFAULT_FROM, s.example)
                for k, s in SPEC.items()
            }
        )


class ParameterTable:
    """All parameter rows, indexed for resolution (pure; built from the database by services)."""

    def __init__(self, rows: Iterable[ParamRow]):
        self._by_region: dict[str, list[ParamRow]] = defaultdict(list)
        for row in rows:
            self._by_region[row.region_code].append(row)
        self._memo: dict[tuple[tuple[str, ...], date], RuleParams] = {}

    def resolve(self, region_path: tuple[str, ...], day: date) -> RuleParams:
        memo_key = (region_path, day)
        found = self._memo.get(memo_key)
        if found is not None:
            return found
        values: dict[str, ResolvedParam] = {}
        for code in region_path:  # root first, so nearer ancestors overwrite
            for row in self._by_region.get(code, ()):
                if row.covers(day):
                    values[row.key] = ResolvedParam(row.value, code, row.valid_from, row.example)
        result = RuleParams(values)
        if len(self._memo) > 50_000:
            self._memo.clear()
        self._memo[memo_key] = result
        return result


def overlaps(a_from: date, a_to: date | None, b_from: date, b_to: date | None) -> bool:
    return a_from <= (b_to or date.max) and b_from <= (a_to or date.max)

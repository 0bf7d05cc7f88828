"""Chinese identity numbers: 身份证号 (GB 11643-1999), 第二代残疾人证号, mobile numbers.

Pure functions; every refusal is a ``ValueError`` whose message names the field and the reason in
the reader's language (Chinese by default). The division code rule is the code *of issue*: a code
is acceptable if it ever existed and was not abolished before the holder's birth year (see
docs/MISSION.md).
"""

import re
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from operator import mul

from django.utils.translation import gettext, gettext_noop
from stdnum import numdb

from onestop.core import clock

WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
CHECK_CHARS = "10X98765432"
EARLIEST_BIRTH = date(1890, 1, 1)

CATEGORIES = {
    1: "视力残疾",
    2: "听力残疾",
    3: "言语残疾",
    4: "肢体残疾",
    5: "智力残疾",
    6: "精神残疾",
    7: "多重残疾",
}
LEVELS = {1: "一级", 2: "二级", 3: "三级", 4: "四级"}


class IdentifierError(ValueError):
    pass


def _error(message: str, field: str, **values: object) -> IdentifierError:
    """A refusal in the reader's language; ``field`` names what was checked (a catalog text)."""
    return IdentifierError(gettext(message).format(field=gettext(field), **values))


def check_digit(first17: str) -> str:
    if len(first17) != len(WEIGHTS):
        raise ValueError("a check digit is computed over 17 digits")
    return CHECK_CHARS[sum(map(mul, map(int, first17), WEIGHTS)) % 11]


@lru_cache(maxsize=4096)
def division_last_year(code: str) -> int | None:
    """The last year a division code was in force (None: still in force); KeyError if never."""
    county = ""
    for _part, props in numdb.get("cn/loc").info(code):
        county = props.get("county", county)
    if not county:
        raise KeyError(code)
    last_years: list[int | None] = []
    for entry in county.split(","):
        match = re.match(r"\[(\d*)-(\d*)\]", entry)
        if match is None or not match.group(2):
            return None
        last_years.append(int(match.group(2)))
    return max(y for y in last_years if y is not None)


@dataclass(frozen=True)
class IdNumber:
    number: str
    division_code: str
    birth_date: date
    sex: str  # "M" or "F"

    @property
    def masked(self) -> str:
        return mask_id_number(self.number)


def mask_id_number(number: str) -> str:
    return number[:6] + "*" * 8 + number[14:]


def parse_id_number(
    value: str, *, today: date | None = None, field: str = gettext_noop("身份证号")
) -> IdNumber:
    number = (value or "").strip().upper()
    if not number:
        raise IdentifierError(gettext("请填写{}。").format(gettext(field)))
    if len(number) != 18:
        raise _error(
            gettext_noop("{field}应为 18 位，您填写了 {length} 位。"), field, length=len(number)
        )
    if not number[:17].isdigit() or not (number[17].isdigit() or number[17] == "X"):
        raise _error(gettext_noop("{field}前 17 位应为数字，最后一位为数字或 X。"), field)
    if check_digit(number[:17]) != number[17]:
        raise _error(gettext_noop("{field}校验位不正确，请核对是否有输错的数字。"), field)
    try:
        birth = date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        raise _error(
            gettext_noop("{field}中的出生日期（第 7 至 14 位）不是真实存在的日期。"), field
        ) from None
    if birth > (today or clock.today()):
        raise _error(gettext_noop("{field}中的出生日期晚于今天。"), field)
    if birth < EARLIEST_BIRTH:
        raise _error(gettext_noop("{field}中的出生日期过早，请核对。"), field)
    code = number[:6]
    try:
        last_year = division_last_year(code)
    except KeyError:
        raise _error(
            gettext_noop("{field}前 6 位“{code}”不是有效的行政区划代码。"), field, code=code
        ) from None
    if last_year is not None and last_year < birth.year:
        raise _error(
            gettext_noop(
                "{field}前 6 位“{code}”的行政区划在 {last} 年后已撤销，不能用于 {born} 年出生的人。"
            ),
            field,
            code=code,
            last=last_year,
            born=birth.year,
        )
    return IdNumber(number, code, birth, "M" if int(number[16]) % 2 else "F")


@dataclass(frozen=True)
class CertificateNumber:
    number: str
    id_number: IdNumber
    category: int
    level: int
    suffix: str

    @property
    def category_label(self) -> str:
        return CATEGORIES[self.category]

    @property
    def level_label(self) -> str:
        return LEVELS[self.level]

    @property
    def masked(self) -> str:
        return self.id_number.masked + self.number[18:]


CERT_SUFFIX = re.compile(r"B[1-9]\d?")


def parse_certificate_number(
    value: str, *, holder_id: str | IdNumber | None = None, today: date | None = None
) -> CertificateNumber:
    """``holder_id`` already parsed saves parsing the ID part again (bulk sync)."""
    field = gettext_noop("残疾人证号")
    number = (value or "").strip().upper()
    if not number:
        raise IdentifierError(gettext("请填写{}。").format(gettext(field)))
    if len(number) < 20:
        raise _error(
            gettext_noop("{field}应为 20 位（身份证号加残疾类别和等级），您填写了 {length} 位。"),
            field,
            length=len(number),
        )
    if isinstance(holder_id, IdNumber):
        held, holder_id = holder_id, holder_id.number
    else:
        held = None
    if held is not None and held.number == number[:18]:
        id_part = held
    else:
        id_part = parse_id_number(
            number[:18], today=today, field=gettext_noop("残疾人证号中的身份证号")
        )
    category, level, suffix = number[18], number[19], number[20:]
    if not category.isdigit() or int(category) not in CATEGORIES:
        raise _error(gettext_noop("{field}第 19 位是残疾类别，应为 1 至 7。"), field)
    if not level.isdigit() or int(level) not in LEVELS:
        raise _error(gettext_noop("{field}第 20 位是残疾等级，应为 1 至 4。"), field)
    if suffix and not CERT_SUFFIX.fullmatch(suffix):
        raise _error(gettext_noop("{field}第 20 位之后只能是换发标记（如 B1）。"), field)
    if holder_id is not None and id_part.number != holder_id.strip().upper():
        raise _error(gettext_noop("{field}中的身份证号与持证人的身份证号不一致。"), field)
    return CertificateNumber(number, id_part, int(category), int(level), suffix)


MOBILE = re.compile(r"1[3-9]\d{9}")


def parse_mobile(value: str, *, field: str = gettext_noop("手机号码")) -> str:
    number = re.sub(r"[\s-]", "", value or "")
    if number.startswith("+86"):
        number = number[3:]
    if not number:
        raise IdentifierError(gettext("请填写{}。").format(gettext(field)))
    if not MOBILE.fullmatch(number):
        raise _error(gettext_noop("{field}应为 11 位数字，以 13 至 19 开头。"), field)
    return number


def mask_mobile(number: str) -> str:
    return number[:3] + "****" + number[7:] if len(number) == 11 else number

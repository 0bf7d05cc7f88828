"""身份证号, 残疾人证号 and mobile number rules (pure functions, no database)."""

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from onestop.people.identifiers import (
    IdentifierError,
    check_digit,
    mask_id_number,
    parse_certificate_number,
    parse_id_number,
    parse_mobile,
)

TODAY = date(2026, 11, 29)


def valid(county: str, birth: str, seq: str = "021") -> str:
    return county + birth + seq + check_digit(county + birth + seq)


def test_check_digit_follows_iso_7064_mod_11_2_with_the_published_weights():
    # Worked example from GB 11643-1999.
    assert check_digit("11010519491231002") == "X"
    assert parse_id_number("11010519491231002X", today=TODAY).number == "11010519491231002X"


def test_lower_case_x_is_accepted_and_normalised():
    assert parse_id_number(" 11010519491231002x ", today=TODAY).number == "11010519491231002X"


def test_sex_and_birth_date_come_from_the_number():
    parsed = parse_id_number("150702199003030219", today=TODAY)
    assert parsed.birth_date == date(1990, 3, 3)
    assert parsed.sex == "M"  # 021: odd
    assert parse_id_number(valid("150702", "19900303", "022"), today=TODAY).sex == "F"


def test_current_code_is_valid_for_people_born_before_it_existed():
    # 海拉尔区 150702 exists since 2001; cards issued later carry it (stdnum refuses this one).
    assert parse_id_number("150702199003030219", today=TODAY).division_code == "150702"
    assert parse_id_number(valid("150702", "19500101"), today=TODAY).birth_date.year == 1950


def test_abolished_code_is_valid_for_people_born_before_its_abolition():
    # 152101 海拉尔市 (呼伦贝尔盟) until 2001.
    assert parse_id_number(valid("152101", "19500101"), today=TODAY).division_code == "152101"
    assert parse_id_number(valid("152101", "20010615"), today=TODAY)


def test_abolished_code_is_refused_for_people_born_after_its_abolition():
    with pytest.raises(IdentifierError, match="2001 年后已撤销"):
        parse_id_number(valid("152101", "20050101"), today=TODAY)


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        ("", "请填写身份证号"),
        ("15070219900303021", "应为 18 位"),
        ("1507021990030302199", "应为 18 位"),
        ("15070219900303021A", "最后一位为数字或 X"),
        ("1507021990030A0219", "前 17 位应为数字"),
        ("150702199003030218", "校验位不正确"),
        (valid("150702", "19900230"), "不是真实存在的日期"),
        (valid("150702", "20261130"), "晚于今天"),
        (valid("150702", "18800101"), "过早"),
        (valid("159999", "19900303"), "不是有效的行政区划代码"),
    ],
)
def test_malformed_id_numbers_are_refused_with_the_reason(value, reason):
    with pytest.raises(IdentifierError, match=reason) as info:
        parse_id_number(value, today=TODAY)
    assert "身份证号" in str(info.value)


@given(
    county=st.sampled_from(["150702", "150781", "150102", "110105"]),
    birth=st.dates(date(1930, 1, 1), date(2020, 12, 31)),
    seq=st.integers(0, 999),
)
def test_any_number_with_its_computed_check_digit_is_valid(county, birth, seq):
    first17 = f"{county}{birth:%Y%m%d}{seq:03d}"
    parsed = parse_id_number(first17 + check_digit(first17), today=TODAY)
    assert parsed.birth_date == birth
    assert parsed.sex == ("M" if seq % 2 else "F")


@given(
    birth=st.dates(date(1930, 1, 1), date(2020, 12, 31)),
    seq=st.integers(0, 999),
    position=st.integers(0, 16),
    delta=st.integers(1, 9),
)
def test_any_single_digit_error_is_caught(birth, seq, position, delta):
    first17 = f"150702{birth:%Y%m%d}{seq:03d}"
    number = first17 + check_digit(first17)
    digits = list(number)
    digits[position] = str((int(digits[position]) + delta) % 10)
    with pytest.raises(IdentifierError):
        parse_id_number("".join(digits), today=TODAY)


def test_masking_keeps_division_and_last_four():
    assert mask_id_number("15070219900303123X") == "150702********123X"


# --- 残疾人证号 -------------------------------------------------------------------------------

HOLDER = "150702199003030219"


def test_certificate_number_carries_category_and_level():
    cert = parse_certificate_number(HOLDER + "42", holder_id=HOLDER, today=TODAY)
    assert (cert.category, cert.level, cert.suffix) == (4, 2, "")
    assert cert.category_label == "肢体残疾"
    assert cert.level_label == "二级"
    assert cert.masked == "150702********021942"


def test_certificate_number_accepts_a_reissue_suffix():
    assert parse_certificate_number(HOLDER + "51B1", today=TODAY).suffix == "B1"


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        (HOLDER + "4", "应为 20 位"),
        (HOLDER + "82", "第 19 位是残疾类别"),
        (HOLDER + "02", "第 19 位是残疾类别"),
        (HOLDER + "45", "第 20 位是残疾等级"),
        (HOLDER + "42X", "换发标记"),
        ("150702199003030218" + "42", "校验位不正确"),
    ],
)
def test_malformed_certificate_numbers_are_refused(value, reason):
    with pytest.raises(IdentifierError, match=reason) as info:
        parse_certificate_number(value, today=TODAY)
    assert "残疾人证号" in str(info.value)


def test_certificate_must_embed_the_holders_id_number():
    other = valid("150702", "19800101")
    with pytest.raises(IdentifierError, match="与持证人的身份证号不一致"):
        parse_certificate_number(other + "11", holder_id=HOLDER, today=TODAY)


# --- mobile ------------------------------------------------------------------------------------


@pytest.mark.parametrize("value", ["13847001234", "138 4700 1234", "+8619912345678"])
def test_valid_mobile_numbers(value):
    assert len(parse_mobile(value)) == 11


@pytest.mark.parametrize(
    "value", ["", "1384700123", "23847001234", "12847001234", "138470012345", "1384700123a"]
)
def test_invalid_mobile_numbers_are_refused(value):
    with pytest.raises(IdentifierError, match="手机号码"):
        parse_mobile(value)

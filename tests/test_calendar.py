"""Working-day arithmetic under the official 2025 and 2026 schedules."""

import json
import random
from datetime import UTC, date, datetime, timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.core.management.base import CommandError

from onestop.audit.models import AuditAction, AuditEvent
from onestop.core import clock
from onestop.policy.calendar import (
    WorkingCalendar,
    add_working_days,
    is_working_day,
    missing_years,
    working_days_between,
)

pytestmark = pytest.mark.django_db


def test_national_day_2026_and_its_make_up_day():
    # 10-01..10-07 off; Sunday 09-20 and Saturday 10-10 are make-up working days.
    assert add_working_days(date(2026, 9, 30), 5) == date(2026, 10, 13)
    assert is_working_day(date(2026, 10, 10))
    assert not is_working_day(date(2026, 10, 1))
    assert not is_working_day(date(2026, 10, 7))
    assert is_working_day(date(2026, 9, 20))


def test_spring_festival_2026_make_up_saturday():
    assert is_working_day(date(2026, 2, 14))
    assert not is_working_day(date(2026, 2, 16))


def test_national_day_2025_runs_to_the_eighth():
    assert not is_working_day(date(2025, 10, 8))
    assert is_working_day(date(2025, 10, 9))
    assert is_working_day(date(2025, 9, 28))  # Sunday, make-up day
    assert add_working_days(date(2025, 9, 30), 1) == date(2025, 10, 9)


def test_start_day_is_not_counted_and_zero_is_the_start():
    assert add_working_days(date(2026, 11, 27), 1) == date(2026, 11, 30)  # Friday -> Monday
    assert add_working_days(date(2026, 11, 28), 1) == date(2026, 11, 30)  # Saturday -> Monday
    assert add_working_days(date(2026, 11, 30), 0) == date(2026, 11, 30)


def test_working_days_between_counts_after_a_up_to_b():
    assert working_days_between(date(2026, 9, 30), date(2026, 10, 13)) == 5
    assert working_days_between(date(2026, 10, 13), date(2026, 9, 30)) == -5
    assert working_days_between(date(2026, 11, 30), date(2026, 11, 30)) == 0


def test_between_is_the_inverse_of_add_for_random_spans():
    rng = random.Random(7)
    for _ in range(300):
        start = date(2025, 1, 1) + timedelta(days=rng.randrange(700))
        n = rng.randrange(0, 40)
        end = add_working_days(start, n)
        assert working_days_between(start, end) == n
        assert n == 0 or is_working_day(end)


def test_published_years_are_not_provisional():
    assert add_working_days(date(2026, 5, 6), 5).provisional is False
    assert working_days_between(date(2025, 1, 1), date(2026, 12, 31)).provisional is False


def test_unpublished_year_answers_by_weekends_but_is_provisional():
    result = add_working_days(date(2027, 3, 1), 5)  # Monday
    assert result == date(2027, 3, 8)
    assert result.provisional is True
    assert add_working_days(date(2026, 12, 29), 5).provisional is True  # crosses into 2027
    assert working_days_between(date(2026, 12, 1), date(2027, 1, 10)).provisional is True
    assert missing_years([2025, 2026, 2027]) == [2027]


def test_loading_a_notice_makes_the_year_official(tmp_path):
    notice = {
        "year": 2027,
        "papers": ["https://example.gov.cn/2027"],
        "days": [
            {"name": "元旦", "date": "2027-01-01", "isOffDay": True},
            {"name": "调休", "date": "2027-01-02", "isOffDay": False},
        ],
    }
    path = tmp_path / "2027.json"
    path.write_text(json.dumps(notice), encoding="utf-8")
    call_command("load_holidays", str(path))
    assert not is_working_day(date(2027, 1, 1))
    assert is_working_day(date(2027, 1, 2))  # Saturday made a working day
    assert add_working_days(date(2027, 3, 1), 5).provisional is False
    assert missing_years([2027]) == []


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        ("not json", "不是有效的 JSON"),
        ('{"days": []}', "year"),
        ('{"year": 2027}', "days"),
        ('{"year": 2027, "days": [{"date": "2027-02-30", "isOffDay": true}]}', "不是有效日期"),
        ('{"year": 2027, "days": [{"date": "2028-01-01", "isOffDay": true}]}', "不属于 2027 年"),
        ('{"year": 2027, "days": [{"date": "2027-01-01", "isOffDay": "yes"}]}', "isOffDay"),
        (
            '{"year": 2027, "days": [{"date": "2027-01-01", "isOffDay": true},'
            ' {"date": "2027-01-01", "isOffDay": false}]}',
            "重复",
        ),
    ],
)
def test_broken_holiday_files_are_refused_and_nothing_is_loaded(tmp_path, content, reason):
    path = tmp_path / "bad.json"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(CommandError, match=reason):
        call_command("load_holidays", str(path))
    assert missing_years([2027]) == [2027]


def test_reloading_a_year_replaces_its_days(tmp_path):
    path = tmp_path / "2026.json"
    path.write_text(
        json.dumps({"year": 2026, "days": [{"date": "2026-11-30", "isOffDay": True}]}),
        encoding="utf-8",
    )
    call_command("load_holidays", str(path))
    assert not is_working_day(date(2026, 11, 30))
    assert is_working_day(date(2026, 10, 8)) is True  # the old 2026 list is gone, plain Thursday


def test_pure_calendar_extends_its_tables_far_ahead():
    cal = WorkingCalendar({}, published_years={2026})
    assert cal.add_working_days(date(2026, 1, 1), 2000).provisional is True
    assert (
        cal.working_days_between(date(2026, 1, 1), cal.add_working_days(date(2026, 1, 1), 2000))
        == 2000
    )
    with pytest.raises(ValueError):
        cal.add_working_days(date(2026, 1, 1), -1)


@clock.frozen(datetime(2026, 11, 2, 2, tzinfo=UTC))  # 2026 asks for 2027 (this and next)
def test_admin_uploads_a_notice_and_the_warning_goes_away(client, login, hlbe_admin):
    login(hlbe_admin)
    assert "尚未导入 2027 年" in client.get("/admin/").content.decode()
    bad = SimpleUploadedFile("2027.json", b'{"year": 2027}', content_type="application/json")
    page = client.post("/admin/policy/holidaynotice/upload/", {"file": bad}).content.decode()
    assert "文件有误，未导入" in page and "days" in page
    good = SimpleUploadedFile(
        "2027.json",
        json.dumps({"year": 2027, "days": [{"date": "2027-01-01", "isOffDay": True}]}).encode(),
    )
    response = client.post("/admin/policy/holidaynotice/upload/", {"file": good})
    assert response.status_code == 302
    assert "尚未导入" not in client.get("/admin/").content.decode()
    assert AuditEvent.objects.filter(action=AuditAction.HOLIDAYS_LOAD, actor=hlbe_admin).exists()

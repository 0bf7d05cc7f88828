"""免申即享: discovery over the registry."""

import io
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from django.core.management import call_command

from onestop.people.services import certificate_record
from onestop.people.shared_data import benefit_record, shared_record_upsert
from onestop.policy.models import ProactiveFinding
from onestop.policy.services import proactive_scan

from . import factories

pytestmark = pytest.mark.django_db
DAY = date(2026, 11, 29)
AS_OF = datetime(2026, 1, 1, tzinfo=UTC)


def qualifying_person(name="乌云", township="150702001", **shared):
    person = factories.person(township, name=name, birth=date(1975, 3, 3), dibao_category="urban")
    certificate_record(
        actor=None, person=person, number=person.id_number + "41", issue_date=date(2023, 5, 1)
    )
    facts = {
        "long_term_care": True,
        "work_injury_nursing": False,
        "employee_pension": False,
        "student": False,
        "orphan_support": False,
        **shared,
    }
    for fact, value in facts.items():
        shared_record_upsert(
            actor=None, person=person, fact=fact, value=value, source="测试", source_time=AS_OF
        )
    return person


def findings(person) -> set[str]:
    return set(
        ProactiveFinding.objects.filter(person=person, status="open").values_list(
            "matter", flat=True
        )
    )


def test_scan_finds_what_a_person_qualifies_for_and_does_not_receive():
    person = qualifying_person()
    benefit_record(
        actor=None,
        person=person,
        kind="LIVING",
        monthly_amount=Decimal(100),
        start=date(2024, 1, 1),
    )
    nobody = factories.person(name="张三")  # no certificate: nothing to find
    report = proactive_scan(day=DAY, batch_size=1)
    assert report.persons == 2
    assert findings(person) == {"NURSING", "PENSION"}
    assert findings(nobody) == set()
    nursing = ProactiveFinding.objects.get(person=person, matter="NURSING")
    assert nursing.amount == Decimal("1200.00") and nursing.first_found == DAY


def test_rescanning_confirms_and_closes_but_never_duplicates():
    person = qualifying_person()
    proactive_scan(day=DAY)
    again = proactive_scan(day=date(2026, 11, 30))
    assert again.opened == 0 and again.confirmed == 3
    assert ProactiveFinding.objects.filter(person=person).count() == 3
    # Now the shared data says the person is in 职工养老保险: the pension finding closes.
    shared_record_upsert(
        actor=None,
        person=person,
        fact="employee_pension",
        value=True,
        source="人社",
        source_time=datetime(2026, 11, 30, tzinfo=UTC),
    )
    report = proactive_scan(day=date(2026, 12, 1))
    assert report.closed == 1
    assert findings(person) == {"LIVING", "NURSING"}


def test_an_older_shared_version_never_overwrites_a_newer_one():
    person = qualifying_person()
    newer = datetime(2026, 6, 1, tzinfo=UTC)
    shared_record_upsert(
        actor=None, person=person, fact="student", value=True, source="教育", source_time=newer
    )
    stale = shared_record_upsert(
        actor=None, person=person, fact="student", value=False, source="教育", source_time=AS_OF
    )
    assert stale is None
    assert person.shared_records.get(fact="student").value is True


def test_the_command_shows_progress():
    for i in range(3):
        qualifying_person(name=f"测试{'甲乙丙'[i]}")
    out = io.StringIO()
    call_command("proactive_scan", "--day", "2026-11-29", "--batch", "2", stdout=out)
    text = out.getvalue()
    assert "已筛查 2/3 人" in text and "已筛查 3/3 人" in text
    assert "新发现 9 条" in text


def test_the_nightly_task_scans_for_the_day_it_is_in_beijing(awkward_moment):
    from onestop.policy.tasks import proactive_scan_nightly

    qualifying_person()
    assert proactive_scan_nightly.call_local() == 1
    assert (
        list(ProactiveFinding.objects.values_list("first_found", flat=True))
        == [awkward_moment.date()] * 3
    )

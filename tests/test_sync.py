"""Shared-data sync: versions, per-record errors, certificates in bulk, deaths and moves."""

import io
import json
from datetime import date
from decimal import Decimal

import pytest
from django.core.management import call_command

from onestop.accounts.roles import Role
from onestop.exchange.services import api_key_create
from onestop.exchange.sync import import_records
from onestop.notices.models import Notice
from onestop.outbox.models import OutboxEvent
from onestop.people.models import Benefit, Certificate
from onestop.people.shared_data import benefit_record
from onestop.policy.models import ProactiveFinding
from onestop.regions.models import OrgUnit

from . import factories

pytestmark = pytest.mark.django_db


def record(person, kind, value, version="2026-11-01T10:00:00+08:00", source="测试系统"):
    return {
        "id_number": person.id_number,
        "type": kind,
        "value": value,
        "source": source,
        "version": version,
    }


def test_an_older_version_never_overwrites_a_newer_one(person):
    newer = import_records(
        actor=None, records=[record(person, "resident_medical", True, "2026-11-02T00:00:00+08:00")]
    )
    older = import_records(
        actor=None, records=[record(person, "resident_medical", False, "2026-10-01T00:00:00+08:00")]
    )
    assert [r.status for r in newer + older] == ["applied", "stale"]
    assert person.shared_records.get(fact="resident_medical").value is True
    import_records(
        actor=None,
        records=[record(person, "dibao", {"category": "none"}, "2026-11-03T00:00:00+08:00")],
    )
    import_records(
        actor=None,
        records=[record(person, "dibao", {"category": "rural"}, "2026-11-01T00:00:00+08:00")],
    )
    person.refresh_from_db()
    assert person.dibao_category == "none"


def test_a_batch_with_bad_records_imports_the_good_ones_and_reports_the_bad(person):
    other = factories.person("150702002", name="图雅", birth=date(1980, 1, 1))
    records = [
        record(person, "long_term_care", True),
        {
            "id_number": "150702199003030218",
            "type": "student",
            "value": False,
            "source": "x",
            "version": "2026-11-01T00:00:00+08:00",
        },
        record(other, "tekun", "sometimes"),
        record(other, "tekun", "dispersed"),
        record(person, "student", "yes"),
        {"type": "death"},
        record(other, "dibao", {"category": "urban"}, version="yesterday"),
        record(
            person, "certificate", {"number": other.id_number + "41", "issue_date": "2025-01-01"}
        ),
    ]
    results = import_records(actor=None, records=records)
    assert [r.status for r in results] == [
        "applied",
        "error",
        "error",
        "applied",
        "error",
        "error",
        "error",
        "error",
    ]
    messages = {r.index: r.message for r in results}
    assert "校验位不正确" in messages[1]
    assert "none、centralized 或 dispersed" in messages[2]
    assert "true 或 false" in messages[4]
    assert "缺少字段" in messages[5]
    assert "version" in messages[6]
    assert "与持证人的身份证号不一致" in messages[7]
    other.refresh_from_db()
    assert other.tekun_category == "dispersed"


def test_a_death_stops_subsidies_from_the_following_month_and_tells_the_unit(person):
    benefit_record(
        actor=None,
        person=person,
        kind="LIVING",
        monthly_amount=Decimal(100),
        start=date(2025, 1, 1),
    )
    benefit_record(
        actor=None,
        person=person,
        kind="NURSING",
        monthly_amount=Decimal(100),
        start=date(2025, 1, 1),
    )
    results = import_records(actor=None, records=[record(person, "death", {"date": "2026-11-12"})])
    assert results[0].status == "applied"
    assert set(Benefit.objects.filter(person=person).values_list("end", flat=True)) == {
        date(2026, 11, 30)
    }
    notice = Notice.objects.get(unit__code="civil-150702")
    assert "自下月起停发" in notice.text and "2026年11月" in notice.text
    event = OutboxEvent.objects.get(topic="benefit.stopped")
    assert event.unit.code == "civil-150702" and event.payload["last_paid_month"] == "2026-11"
    assert person.shared_records.get(fact="deceased").value is True


def test_moving_out_of_the_county_stops_subsidies_too(person):
    benefit_record(
        actor=None,
        person=person,
        kind="LIVING",
        monthly_amount=Decimal(100),
        start=date(2025, 1, 1),
    )
    import_records(
        actor=None, records=[record(person, "hukou", {"region": "150781400", "date": "2026-10-20"})]
    )
    person.refresh_from_db()
    assert person.hukou_region_id == "150781400"
    assert Benefit.objects.get(person=person).end == date(2026, 10, 31)
    # A move within the county changes nothing for the benefits.
    other = factories.person("150702001", name="萨仁", birth=date(1970, 1, 1))
    benefit_record(
        actor=None, person=other, kind="LIVING", monthly_amount=Decimal(100), start=date(2025, 1, 1)
    )
    import_records(actor=None, records=[record(other, "hukou", {"region": "150702002"})])
    assert Benefit.objects.get(person=other).end is None


def test_certificates_from_the_certificate_system(person):
    newcomer = factories.person("150702001", name="斯琴", birth=date(1985, 5, 5))
    results = import_records(
        actor=None,
        records=[
            record(
                newcomer,
                "certificate",
                {"number": newcomer.id_number + "12", "issue_date": "2026-01-10"},
            ),
        ],
    )
    assert results[0].status == "applied"
    cert = Certificate.objects.get(person=newcomer)
    assert (cert.category, cert.level, cert.source) == (1, 2, "测试系统")
    cancelled = record(
        newcomer,
        "certificate",
        {"number": newcomer.id_number + "12", "issue_date": "2026-01-10", "status": "cancelled"},
        "2026-11-05T00:00:00+08:00",
    )
    stale = record(
        newcomer,
        "certificate",
        {"number": newcomer.id_number + "12", "issue_date": "2026-01-10", "status": "valid"},
        "2026-10-05T00:00:00+08:00",
    )
    assert [r.status for r in import_records(actor=None, records=[cancelled, stale])] == [
        "applied",
        "stale",
    ]
    cert.refresh_from_db()
    assert cert.status == "cancelled"


def test_certificates_in_bulk_keep_the_record_by_record_rules(person, monkeypatch):
    from onestop.exchange import sync

    monkeypatch.setattr(sync, "CERTIFICATE_CHUNK", 3)  # several chunks from a small batch
    people = [
        factories.person("150702001", name="批量", birth=date(1980, 1, 1 + i)) for i in range(4)
    ]
    stranger = factories.person("150702001", name="未登记", birth=date(1990, 2, 2))
    stranger_id = stranger.id_number
    stranger.delete()

    def cert(p, status="valid", version="2026-11-01T10:00:00+08:00", number=None, id_number=None):
        r = record(
            p,
            "certificate",
            {"number": number or p.id_number + "23", "issue_date": "2025-03-01", "status": status},
            version,
        )
        if id_number:
            r["id_number"] = id_number
        return r

    batch = [
        cert(people[0]),
        cert(people[1], "cancelled", "2026-11-03T00:00:00+08:00"),
        cert(people[1], "valid", "2026-11-02T00:00:00+08:00"),  # older, same number: stale
        cert(people[2], "valid", "2026-11-02T00:00:00+08:00"),
        cert(people[2], "expired", "2026-11-04T00:00:00+08:00"),  # newer wins; earlier applied
        cert(people[3], number=people[0].id_number + "23"),  # number of someone else
        cert(people[3], id_number=stranger_id, number=stranger_id + "23"),
        cert(people[3], number=people[3].id_number + "93"),  # no category 9
        cert(people[3], version="yesterday"),
    ]
    results = import_records(actor=None, records=batch)
    assert [r.status for r in results] == [
        "applied",
        "applied",
        "stale",
        "applied",
        "applied",
        "error",
        "error",
        "error",
        "error",
    ]
    assert "不一致" in results[5].message
    assert "登记库中没有" in results[6].message
    assert "残疾类别" in results[7].message
    assert "version" in results[8].message
    assert [
        Certificate.objects.filter(person=p).values_list("status", flat=True).first()
        for p in people
    ] == ["valid", "cancelled", "expired", None]
    held = Certificate.objects.get(person=people[2])
    assert (held.valid_until, held.source) == (date(2035, 3, 1), "测试系统")
    # A later batch with an older version changes nothing; a newer one does.
    again = import_records(
        actor=None, records=[cert(people[2], "valid", "2026-11-03T00:00:00+08:00")]
    )
    assert again[0].status == "stale"
    import_records(actor=None, records=[cert(people[2], "valid", "2026-11-05T00:00:00+08:00")])
    held.refresh_from_db()
    assert held.status == "valid"


@pytest.fixture
def certificates_key(db) -> str:
    """The API key of 海拉尔区残联's certificate system."""
    _, key = api_key_create(
        actor=None,
        unit=OrgUnit.objects.get(code="cdpf-150702"),
        role=Role.CDPF_REVIEWER,
        name="残联证件系统",
    )
    return key


def test_a_county_disability_federation_sends_certificates_only_for_its_county(
    client, person, certificates_key
):
    key = certificates_key
    far = factories.person("150781400", name="远方", birth=date(1980, 1, 1))
    near = factories.person("150702001", name="近处", birth=date(1981, 1, 1))
    body = {
        "records": [
            record(p, "certificate", {"number": p.id_number + "31", "issue_date": "2026-02-01"})
            for p in (far, near)
        ]
    }
    response = client.post(
        "/api/v1/shared/records",
        json.dumps(body),
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {key}",
    )
    answer = response.json()
    assert (answer["applied"], answer["errors"]) == (1, 1)
    assert "不在本单位管辖范围" in answer["results"][0]["message"]
    assert not Certificate.objects.filter(person=far).exists()
    assert Certificate.objects.get(person=near).level == 1


def test_a_change_looks_again_for_benefits_the_person_qualifies_for(
    person, django_capture_on_commit_callbacks
):
    facts = {
        "long_term_care": True,
        "work_injury_nursing": False,
        "employee_pension": False,
        "student": False,
        "orphan_support": False,
    }
    # The look is queued for the worker once the records are committed, not made meanwhile.
    with django_capture_on_commit_callbacks() as queued:
        import_records(actor=None, records=[record(person, f, v) for f, v in facts.items()])
    assert not ProactiveFinding.objects.filter(person=person).exists()
    assert len(queued) == 1
    queued[0]()
    assert set(
        ProactiveFinding.objects.filter(person=person, status="open").values_list(
            "matter", flat=True
        )
    ) == {"LIVING", "NURSING", "PENSION"}
    with django_capture_on_commit_callbacks(execute=True):
        import_records(
            actor=None,
            records=[record(person, "employee_pension", True, "2026-11-20T00:00:00+08:00")],
        )
    assert ProactiveFinding.objects.get(person=person, matter="PENSION").status == "closed"


def test_the_api_takes_only_the_departments_own_kinds(client, person):
    _, key = api_key_create(
        actor=None,
        unit=OrgUnit.objects.get(code="medical-150702"),
        role=Role.MEDICAL_OFFICER,
        name="医保",
    )
    body = {
        "records": [
            record(person, "resident_medical", True),
            record(person, "dibao", {"category": "none"}),
        ]
    }
    response = client.post(
        "/api/v1/shared/records",
        json.dumps(body),
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {key}",
    )
    assert response.status_code == 200
    answer = response.json()
    assert (answer["applied"], answer["errors"]) == (1, 1)
    assert "不能报送" in answer["results"][1]["message"]
    far = factories.person("150781400", name="远方", birth=date(1980, 1, 1))
    response = client.post(
        "/api/v1/shared/records",
        json.dumps({"records": [record(far, "resident_medical", True)]}),
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {key}",
    )
    assert "不在本单位管辖范围" in response.json()["results"][0]["message"]


def test_the_command_imports_a_file_and_reports(tmp_path, person):
    path = tmp_path / "records.jsonl"
    path.write_text(
        "\n".join(
            [
                json.dumps(record(person, "student", False), ensure_ascii=False),
                "not json",
                json.dumps(record(person, "student", "no"), ensure_ascii=False),
            ]
        ),
        encoding="utf-8",
    )
    out = io.StringIO()
    call_command("sync_shared", str(path), stdout=out)
    text = out.getvalue()
    assert "第 2 行不是有效的 JSON" in text and "第 3 行有误" in text
    assert "共 3 条：生效 1，版本较旧未采用 0，有误 2" in text
    assert "已处理" not in text  # one batch: no progress lines
    out = io.StringIO()
    call_command("sync_shared", str(path), "--batch", "1", stdout=out)
    text = out.getvalue()
    assert "已处理 1 / 3 行。" in text and "已处理 3 / 3 行。" in text
    # The same file again: the same version is applied again, nothing counted twice.
    assert "共 3 条：生效 1，版本较旧未采用 0，有误 2" in text


@pytest.mark.django_db
def test_the_api_answers_in_chinese_whatever_language_the_client_asks_for(client, certificates_key):
    key = certificates_key
    person = factories.person("150702001", name="近处", birth=date(1981, 1, 1))
    body = {"records": [record(person, "certificate", {"number": person.id_number + "91"})]}
    response = client.post(
        "/api/v1/shared/records",
        json.dumps(body),
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {key}",
        HTTP_ACCEPT_LANGUAGE="mn-mong",
    )
    message = response.json()["results"][0]["message"]
    assert "残疾人证号第 19 位是残疾类别" in message

"""Pre-screening through the API and the registry; rule parameters in the admin."""

import json
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from onestop.audit.models import AuditAction, AuditEvent
from onestop.people.services import certificate_record
from onestop.people.shared_data import shared_record_upsert
from onestop.policy.models import RuleParameter
from onestop.policy.services import rule_parameter_save
from onestop.regions.models import Region

pytestmark = pytest.mark.django_db

DAY = "2026-11-29"
ELIGIBLE_FACTS = {
    "birth_date": "1970-05-10",
    "hukou_region": "150702001",
    "student": False,
    "certificate": {"category": 4, "level": 1, "valid_until": "2030-05-01"},
    "dibao": "urban",
    "tekun": "none",
    "orphan_support": False,
    "work_injury_nursing": False,
    "employee_pension": False,
    "resident_medical": True,
    "long_term_care": True,
}


def post(client, body, **extra):
    return client.post(
        "/api/v1/prescreen", json.dumps(body), content_type="application/json", **extra
    )


def outcomes(response) -> dict[str, str]:
    return {a["matter"]: a["outcome_label"] for a in response.json()["assessments"]}


def test_anonymous_prescreen_tells_everything_once(client):
    response = post(client, {"region": "150702", "day": DAY, "facts": ELIGIBLE_FACTS})
    assert response.status_code == 200, response.content
    body = response.json()
    assert outcomes(response) == {
        "CERT": "不符合",
        "LIVING": "符合",
        "NURSING": "符合",
        "MEDICAL": "符合",
        "PENSION": "符合",
    }
    living = next(a for a in body["assessments"] if a["matter"] == "LIVING")
    assert living["department"] == "民政"
    assert living["amount"] == {
        "value": "100.00",
        "unit": "元/月",
        "first_month": "2026-11-01",
        "year": None,
        "detail": "",
    }
    materials = {m["code"]: m for m in body["materials"]}
    assert materials["id_card"]["exempt"] is True
    assert materials["dibao_proof"]["exempt"] is False  # declared, not from shared data
    assert materials["photo"]["matters"] == ["LIVING", "NURSING"]
    shipped = {p["key"]: p for p in body["parameters"]}
    assert shipped["medical.ratio_dibao"]["example"] is True
    assert shipped["living.monthly_amount"]["example"] is False


def test_without_a_day_the_assessment_is_for_today_in_beijing(awkward_moment, client):
    response = post(client, {"region": "150702", "matters": ["LIVING"], "facts": ELIGIBLE_FACTS})
    assert response.status_code == 200, response.content
    assert response.json()["day"] == awkward_moment.date().isoformat()


def test_a_township_code_is_assessed_in_its_county(client):
    response = post(client, {"region": "150702001", "day": DAY, "facts": ELIGIBLE_FACTS})
    assert response.json()["county"] == "150702"


def test_pending_lists_facts_and_holders(client):
    response = post(client, {"region": "150702", "day": DAY, "matters": ["NURSING"]})
    nursing = response.json()["assessments"][0]
    assert nursing["outcome_label"] == "待核实"
    assert {"label": "残疾人证", "holder": "残联", "fact": "certificate"} in nursing["missing"]


@pytest.mark.parametrize(
    ("body", "field", "words"),
    [
        ({"region": "159999"}, "region", "不是旗县"),
        ({"region": "150700"}, "region", "不是旗县"),
        ({"region": "150702", "day": "2026-02-30"}, "day", "不是有效的日期"),
        ({"region": "150702", "facts": {"birth_date": "1990-13-01"}}, "facts.birth_date", "日期"),
        (
            {"region": "150702", "day": DAY, "facts": {"birth_date": "2027-01-01"}},
            "facts.birth_date",
            "不能晚于",
        ),
        ({"region": "150702", "facts": {"hukou_region": "999999"}}, "facts.hukou_region", "不存在"),
        (
            {"region": "150702", "bills": [{"day": DAY, "policy_self_pay": "-1"}]},
            "bills.0.policy_self_pay",
            "不能为负数",
        ),
        (
            {"region": "150702", "medical_aid_paid_this_year": -5},
            "medical_aid_paid_this_year",
            "不能为负数",
        ),
        ({"region": "150702", "matters": ["HOUSING"]}, "matters.0", "取值无效"),
        (
            {
                "region": "150702",
                "facts": {"certificate": {"category": 8, "level": 1, "valid_until": DAY}},
            },
            "facts.certificate.category",
            "不能大于 7",
        ),
        ({"region": "150702", "facts": {"dibao": "maybe"}}, "facts.dibao", "urban"),
        (
            {"region": "150702", "facts": {"long_term_care": "sometimes"}},
            "facts.long_term_care",
            "true 或 false",
        ),
        ({"region": "150702", "surprise": 1}, "surprise", "不是可用的字段"),
        ({}, "region", "必须填写"),
    ],
)
def test_bad_input_is_422_with_field_level_chinese(client, body, field, words):
    response = post(client, body)
    assert response.status_code == 422
    detail = response.json()["detail"]
    match = [d for d in detail if d["field"] == field]
    assert match, detail
    assert words in match[0]["message"]
    assert all(any("\u4e00" <= ch <= "\u9fff" for ch in d["message"]) for d in detail)


def test_malformed_json_is_422_in_chinese(client):
    response = client.post("/api/v1/prescreen", "{not json", content_type="application/json")
    assert response.status_code == 422
    assert "JSON" in response.json()["detail"][0]["message"]


def test_anonymous_use_is_rate_limited(client, settings):
    settings.PRESCREEN_ANON_PER_MINUTE = 3
    codes = [
        post(client, {"region": "150702"}, REMOTE_ADDR="10.9.8.7").status_code for _ in range(4)
    ]
    assert codes == [200, 200, 200, 429]
    assert "过于频繁" in post(client, {"region": "150702"}, REMOTE_ADDR="10.9.8.7").json()["detail"]
    assert post(client, {"region": "150702"}, REMOTE_ADDR="10.9.8.8").status_code == 200


def test_registry_person_needs_staff_and_scope(client, login, mzl_civil, hlr_person):
    assert post(client, {"region": "150702", "person_id": hlr_person.pk}).status_code == 401
    login(mzl_civil)
    response = post(client, {"region": "150702", "person_id": hlr_person.pk})
    assert response.status_code == 404
    assert hlr_person.name not in response.content.decode()


def test_shared_data_fills_the_facts_and_spares_materials(client, login, hlr_civil, hlr_person):
    certificate_record(
        actor=None,
        person=hlr_person,
        number=hlr_person.id_number + "41",
        issue_date=date(2024, 1, 5),
    )
    hlr_person.dibao_category = "rural"
    hlr_person.save()
    as_of = datetime(2026, 1, 1, tzinfo=UTC)
    for fact, value in {
        "resident_medical": True,
        "long_term_care": True,
        "work_injury_nursing": False,
        "employee_pension": False,
        "student": False,
        "orphan_support": False,
    }.items():
        shared_record_upsert(
            actor=None, person=hlr_person, fact=fact, value=value, source="测试", source_time=as_of
        )
    login(hlr_civil)
    response = post(
        client,
        # The applicant's declaration cannot override shared data: 低保 stays rural.
        {"region": "150702", "day": DAY, "person_id": hlr_person.pk, "facts": {"dibao": "none"}},
    )
    assert response.status_code == 200, response.content
    assert outcomes(response) == {
        "CERT": "不符合",
        "LIVING": "符合",
        "NURSING": "符合",
        "MEDICAL": "符合",
        "PENSION": "不符合",  # born 1960: past the contribution age
    }
    materials = {m["code"]: m for m in response.json()["materials"]}
    assert materials["dibao_proof"]["exempt"] is True
    assert materials["care_proof"]["exempt"] is True
    assert materials["dibao_proof"]["exempt_reason"] == "共享数据已有，无需提交"


def test_medical_amount_through_the_api(client):
    body = {
        "region": "150702",
        "day": DAY,
        "matters": ["MEDICAL"],
        "facts": ELIGIBLE_FACTS,
        "bills": [
            {"day": "2026-10-02", "policy_self_pay": "4000.00"},
            {"day": "2026-10-09", "policy_self_pay": "2500", "networked": True},
        ],
        "medical_aid_paid_this_year": "0",
        "deductible_used_this_year": "0",
    }
    medical = post(client, body).json()["assessments"][0]
    assert medical["amount"]["value"] == "2800.00"
    assert "已联网结算" in " ".join(r["text"] for r in medical["reasons"])


def test_openapi_schema_documents_the_endpoint(client):
    schema = client.get("/api/v1/openapi.json").json()
    operation = schema["paths"]["/api/v1/prescreen"]["post"]
    assert operation["summary"].startswith("预审")
    assert {"200", "422", "429"} <= set(operation["responses"])
    assert client.get("/api/v1/docs").status_code == 200


# --- parameters by region and date ---------------------------------------------------------------


def test_nearest_region_wins_and_past_dates_use_the_parameters_then(client):
    hailar = Region.objects.get(code="150702")
    rule_parameter_save(
        actor=None,
        key="living.monthly_amount",
        region=hailar,
        valid_from=date(2026, 1, 1),
        valid_to=None,
        value="120",
    )

    def living(region, day):
        facts = {**ELIGIBLE_FACTS, "hukou_region": region}
        response = post(
            client, {"region": region, "day": day, "matters": ["LIVING"], "facts": facts}
        )
        return response.json()["assessments"][0]["amount"]["value"]

    assert living("150702", DAY) == "120.00"
    assert living("150702", "2025-06-01") == "100.00"  # before the regional change
    assert living("150781", DAY) == "100.00"  # another county keeps the autonomous-region rate


def test_admin_changes_a_parameter_and_the_next_assessment_follows(client, login, hlbe_admin):
    login(hlbe_admin)
    city = Region.objects.get(code="150700")
    form = {
        "key": "nursing.annual_amount",
        "region": city.pk,
        "valid_from": "2026-07-01",
        "valid_to": "",
        "value": "1500",
        "note": "呼伦贝尔市文件",
    }
    response = client.post("/admin/policy/ruleparameter/add/", form)
    assert response.status_code == 302, response.content.decode()
    body = {"region": "150702", "day": DAY, "matters": ["NURSING"], "facts": ELIGIBLE_FACTS}
    assert post(client, body).json()["assessments"][0]["amount"]["value"] == "1500.00"
    assert (
        post(client, {**body, "day": "2026-06-30"}).json()["assessments"][0]["amount"]["value"]
        == "1200.00"
    )
    event = AuditEvent.objects.get(action=AuditAction.RULE_PARAMETER_SAVE)
    assert event.actor == hlbe_admin and event.detail["value"] == "1500.00"

    # Change it again through the admin's change form.
    row = RuleParameter.objects.get(region=city, key="nursing.annual_amount")
    response = client.post(
        f"/admin/policy/ruleparameter/{row.pk}/change/", {**form, "value": "1600"}
    )
    assert response.status_code == 302
    assert post(client, body).json()["assessments"][0]["amount"]["value"] == "1600.00"


@pytest.mark.parametrize(
    ("changes", "field", "words"),
    [
        ({"valid_from": "2026-09-01"}, "valid_from", "时间重叠"),
        ({"value": "-3"}, "value", "不能为负数"),
        ({"value": "很多"}, "value", "应为数字"),
        ({"valid_from": "2027-02-01", "valid_to": "2027-01-01"}, "valid_to", "不能早于"),
    ],
)
def test_admin_refuses_bad_parameters(client, login, hlbe_admin, changes, field, words):
    city = Region.objects.get(code="150700")
    rule_parameter_save(
        actor=None,
        key="nursing.annual_amount",
        region=city,
        valid_from=date(2026, 7, 1),
        valid_to=None,
        value="1500",
    )
    login(hlbe_admin)
    form = {
        "key": "nursing.annual_amount",
        "region": city.pk,
        "valid_from": "2027-01-01",
        "valid_to": "",
        "value": "1500",
        "note": "",
    }
    response = client.post("/admin/policy/ruleparameter/add/", {**form, **changes})
    assert response.status_code == 200
    assert words in response.content.decode()
    assert RuleParameter.objects.filter(region=city).count() == 1


def test_admin_cannot_set_parameters_outside_their_region(client, login, mzl_admin):
    login(mzl_admin)
    form = {
        "key": "living.monthly_amount",
        "region": "150702",
        "valid_from": "2026-01-01",
        "valid_to": "",
        "value": "150",
        "note": "",
    }
    response = client.post("/admin/policy/ruleparameter/add/", form)
    assert response.status_code == 200
    assert not RuleParameter.objects.filter(region_id="150702").exists()
    root = RuleParameter.objects.get(key="living.monthly_amount", region_id="150000")
    assert (
        client.post(
            f"/admin/policy/ruleparameter/{root.pk}/change/", {**form, "region": "150000"}
        ).status_code
        == 403
    )


def test_shipped_defaults_are_the_inner_mongolia_rates():
    rows = {p.key: p for p in RuleParameter.objects.filter(region_id="150000")}
    assert (
        rows["living.monthly_amount"].value == "100.00"
        and not rows["living.monthly_amount"].example
    )
    assert rows["nursing.annual_amount"].value == "1200.00"
    assert rows["living.monthly_amount"].valid_from == date(2019, 1, 1)
    assert rows["medical.annual_cap"].example and "示例" in rows["medical.annual_cap"].note
    assert Decimal(rows["medical.ratio_tekun"].value) == Decimal("1")

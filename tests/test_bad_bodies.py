"""Malformed or ill-typed request bodies get a clear 4xx in Chinese, never a server error, on the
API and on every page with an upload form, with DEBUG on (a developer's machine) or off."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from onestop.accounts.roles import Role
from onestop.exchange.services import api_key_create
from onestop.regions.models import OrgUnit

from .test_portal import sign_in, ward  # noqa: F401 - the applicant and their guardian

pytestmark = pytest.mark.django_db
NO_BOUNDARY = "multipart/form-data"
CUT_SHORT = b'--zz\r\nContent-Disposition: form-data; name="code"\r\n\r\nabc'


@pytest.fixture
def key(db):
    _, key = api_key_create(
        actor=None,
        unit=OrgUnit.objects.get(code="medical-150702"),
        role=Role.MEDICAL_OFFICER,
        name="医保经办系统",
    )
    return key


def api_post(client, key, path, body, content_type):
    return client.post(path, body, content_type=content_type, HTTP_AUTHORIZATION=f"Bearer {key}")


@pytest.mark.parametrize("debug", [False, True])
@pytest.mark.parametrize(
    "path", ["/api/v1/matters/1/documents", "/api/v1/matters/1/decision", "/api/v1/prescreen"]
)
def test_a_multipart_body_without_its_boundary_is_422_in_chinese(
    client, key, settings, debug, path
):
    settings.DEBUG = debug
    response = api_post(client, key, path, b"code=abc", NO_BOUNDARY)
    assert response.status_code == 422
    assert response["Content-Type"].startswith("application/json")
    message = response.json()["detail"][0]["message"]
    assert "不是" in message and ("multipart" in message or "JSON" in message)


@pytest.mark.parametrize("debug", [False, True])
def test_a_multipart_body_cut_short_is_refused_in_chinese(client, key, settings, debug):
    settings.DEBUG = debug
    response = api_post(
        client, key, "/api/v1/matters/1/documents", CUT_SHORT, f"{NO_BOUNDARY}; boundary=zz"
    )
    assert response.status_code == 422
    assert all("\u4e00" <= ch <= "\u9fff" for ch in response.json()["detail"][0]["message"][:2])


@pytest.mark.parametrize("debug", [False, True])
def test_staff_and_portal_upload_forms_answer_a_broken_upload_with_400_in_chinese(
    client,
    login,
    hlr_clerk,
    hlr_person,
    ward,  # noqa: F811 - the fixture imported above
    settings,
    debug,
):
    settings.DEBUG = debug
    login(hlr_clerk)
    staff = client.post(f"/workbench/intake/{hlr_person.pk}/", b"x", content_type=NO_BOUNDARY)
    sign_in(client)
    client.post(f"/portal/apply/{ward.pk}/matters/", {"matters": ["LIVING"]})  # step 2 is open
    portal = client.post(f"/portal/apply/{ward.pk}/details/", b"x", content_type=NO_BOUNDARY)
    for response in (staff, portal):
        assert response.status_code == 400
        assert "提交的内容无法处理" in response.content.decode()


def test_shared_record_values_must_be_of_the_declared_types(client, key):
    record = {"id_number": "x", "type": "resident_medical", "source": "医保", "version": "v"}
    for value in (0, 1, 1.5, None, []):
        response = api_post(
            client,
            key,
            "/api/v1/shared/records",
            {"records": [{**record, "value": value}]},
            "application/json",
        )
        assert response.status_code == 422, value
        assert response.json()["detail"][0]["field"] == "records.0.value"
    response = api_post(
        client,
        key,
        "/api/v1/shared/records",
        {"records": [{**record, "value": True}]},
        "application/json",
    )
    assert response.status_code == 200  # reported record by record (here: no such person)


@pytest.mark.parametrize("amount", ["", "-1", "12.345", "1e3", 1200, "12345678901"])
def test_amounts_are_decimal_text_with_at_most_two_places(client, key, amount):
    for path, body, field in [
        ("/api/v1/matters/1/decision", {"step_id": 1, "outcome": "approve"}, "amount"),
        ("/api/v1/prescreen", {"region": "150702"}, "deductible_used_this_year"),
        ("/api/v1/prescreen", {"region": "150702"}, "medical_aid_paid_this_year"),
    ]:
        response = api_post(client, key, path, {**body, field: amount}, "application/json")
        assert response.status_code == 422, (path, amount)
        (error,) = response.json()["detail"]
        assert error["field"] == field
        assert "最多两位小数" in error["message"]


def test_amounts_the_schema_allows_are_accepted(client, key):
    for amount in ("0", "1200", "1200.5", "1200.50"):
        body = {"region": "150702", "day": "2026-10-09", "deductible_used_this_year": amount}
        assert (
            api_post(client, key, "/api/v1/prescreen", body, "application/json").status_code == 200
        )


@pytest.mark.parametrize(
    ("cursor", "status"),
    [("0-0", 200), ("9999999-999999999999999999", 200), ("739000-1", 200), ("abc", 422)],
)
def test_any_cursor_the_schema_allows_is_a_place_in_the_list(client, key, cursor, status):
    response = client.get(f"/api/v1/matters?cursor={cursor}", HTTP_AUTHORIZATION=f"Bearer {key}")
    assert response.status_code == status
    if status == 422:
        assert "next_cursor" in response.json()["detail"][0]["message"]


def test_text_with_a_nul_character_is_refused_before_the_database(client, key):
    # PostgreSQL text cannot hold NUL: without this, a 500 on PostgreSQL and not on SQLite.
    response = api_post(
        client,
        key,
        "/api/v1/matters/1/decision",
        {"step_id": 1, "outcome": "reject", "reason": "重复\x00"},
        "application/json",
    )
    assert response.status_code == 422
    assert response.json()["detail"][0]["field"] == "reason"
    upload = client.post(
        "/api/v1/matters/1/documents",
        {"code": "notice\x00", "file": SimpleUploadedFile("n.pdf", b"%PDF-1.4")},
        HTTP_AUTHORIZATION=f"Bearer {key}",
    )
    assert upload.status_code == 422
    assert "材料代码" in upload.json()["detail"][0]["message"]


@pytest.mark.parametrize("code", ["292", "true", "false", "null", "_x"])
def test_a_form_value_that_was_a_number_or_a_json_word_is_not_a_material_code(client, key, code):
    # A multipart field is text, so what a client meant as 292, true or null arrives as its
    # spelling; none of them names a material, and the schema says so too.
    upload = client.post(
        "/api/v1/matters/1/documents",
        {"code": code, "file": SimpleUploadedFile("n.pdf", b"%PDF-1.4")},
        HTTP_AUTHORIZATION=f"Bearer {key}",
    )
    assert upload.status_code == 422
    assert upload.json()["detail"][0]["field"] == "code"
    assert "以小写字母开头" in upload.json()["detail"][0]["message"]


@pytest.mark.urls("tests.crash_urls")
def test_an_unforeseen_fault_gets_a_page_in_chinese_that_asks_nothing_of_the_database(
    client, django_assert_num_queries
):
    client.raise_request_exception = False
    with django_assert_num_queries(0):
        response = client.get("/fail/")
    assert response.status_code == 500
    text = response.content.decode()
    assert "系统暂时出了问题" in text and 'lang="zh-Hans"' in text
    assert "已经提交的不会丢失" in text

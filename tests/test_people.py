"""Person registry: validation, PII at rest and on screen, scope."""

import logging
from datetime import date, timedelta

import pytest
from django.apps import apps
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection

from onestop.audit.models import AuditAction, AuditEvent
from onestop.people.models import Benefit, Certificate, CertificateStatus, Guardian, Person
from onestop.people.services import (
    certificate_cancel_all,
    certificate_find_by_number,
    certificate_record,
    guardian_add,
    person_find_by_id_number,
    person_register,
    person_reveal_id,
)
from onestop.people.shared_data import benefit_record, benefits_stop

from . import factories

pytestmark = pytest.mark.django_db


def test_register_derives_sex_and_birth_date_from_the_id_number():
    number = factories.id_number("150702", date(1948, 7, 9), seq=22)
    person = factories.person(id_number=number, name="巴图·额尔敦")
    assert person.sex == "F" and person.birth_date == date(1948, 7, 9)
    assert person.id_number == number


def test_all_field_errors_are_reported_together_and_nothing_is_saved():
    with pytest.raises(ValidationError) as info:
        person_register(
            actor=None,
            name="",
            id_number="150702199003030218",
            hukou_region_code="999999",
            phone="12345",
        )
    errors = info.value.message_dict
    assert set(errors) == {"name", "id_number", "hukou_region", "phone"}
    assert "校验位不正确" in errors["id_number"][0]
    assert "不存在" in errors["hukou_region"][0]
    assert Person.objects.count() == 0
    assert not AuditEvent.objects.filter(action=AuditAction.PERSON_REGISTER).exists()


def test_names_with_rare_characters_are_kept():
    person = factories.person(name="王𠮷")  # 𠮷 is outside the Basic Multilingual Plane
    person.refresh_from_db()
    assert person.name == "王𠮷"


def test_the_same_id_number_cannot_be_registered_twice():
    number = factories.id_number()
    factories.person(id_number=number)
    with pytest.raises(ValidationError, match="已登记"):
        factories.person(id_number=number.lower())


def test_exact_lookup_by_id_number_uses_the_keyed_index():
    person = factories.person()
    assert person_find_by_id_number(Person.objects.all(), person.id_number) == person
    assert person_find_by_id_number(Person.objects.all(), factories.id_number()) is None


def test_certificate_takes_category_and_level_from_its_number(hlr_person):
    cert = certificate_record(
        actor=None,
        person=hlr_person,
        number=hlr_person.id_number + "52",
        issue_date=date(2024, 3, 1),
    )
    assert (cert.category, cert.level) == (5, 2)
    assert cert.valid_until == date(2034, 3, 1)
    assert certificate_find_by_number(Certificate.objects.all(), cert.number) == cert
    with pytest.raises(ValidationError, match="与持证人的身份证号不一致"):
        certificate_record(
            actor=None,
            person=hlr_person,
            number=factories.id_number() + "52",
            issue_date=date(2024, 3, 1),
        )


def test_cancelling_the_cards_of_a_renewal_leaves_an_audit_event(hlr_person, hlr_clerk):
    old = certificate_record(
        actor=None,
        person=hlr_person,
        number=hlr_person.id_number + "52",
        issue_date=date(2016, 3, 1),
    )
    assert certificate_cancel_all(actor=hlr_clerk, person=hlr_person) == [old.pk]
    old.refresh_from_db()
    assert old.status == CertificateStatus.CANCELLED
    event = AuditEvent.objects.get(action=AuditAction.CERTIFICATE_CANCEL)
    assert (event.actor, event.detail["certificates"]) == (hlr_clerk, [old.pk])
    assert certificate_cancel_all(actor=hlr_clerk, person=hlr_person) == []
    assert AuditEvent.objects.filter(action=AuditAction.CERTIFICATE_CANCEL).count() == 1


def test_stopped_benefits_are_paid_through_the_month_and_stopped_once(hlr_person):
    for kind in (Benefit.Kind.LIVING, Benefit.Kind.NURSING):
        benefit_record(
            actor=None, person=hlr_person, kind=kind, monthly_amount=100, start=date(2026, 1, 1)
        )
    last_paid = date(2026, 10, 31)
    stop = dict(actor=None, person=hlr_person, kinds=[Benefit.Kind.LIVING], last_paid=last_paid)
    assert benefits_stop(**stop, why="死亡") == [Benefit.Kind.LIVING]
    ends = dict(Benefit.objects.filter(person=hlr_person).values_list("kind", "end"))
    assert ends == {Benefit.Kind.LIVING: last_paid, Benefit.Kind.NURSING: None}
    assert benefits_stop(**stop, why="死亡") == []
    assert AuditEvent.objects.filter(action=AuditAction.BENEFIT_STOP).count() == 1


def test_a_certificate_issued_today_in_beijing_is_accepted_and_tomorrow_refused(
    awkward_moment, hlr_person
):
    today = awkward_moment.date()
    number = hlr_person.id_number + "41"
    with pytest.raises(ValidationError, match="发证日期不能晚于今天"):
        certificate_record(
            actor=None, person=hlr_person, number=number, issue_date=today + timedelta(days=1)
        )
    cert = certificate_record(actor=None, person=hlr_person, number=number, issue_date=today)
    assert cert.issue_date == today


def test_guardian_is_validated_and_cannot_be_the_applicant(hlr_person):
    with pytest.raises(ValidationError) as info:
        guardian_add(
            actor=None,
            person=hlr_person,
            kind="guardian",
            name="李强",
            id_number="123",
            relation="",
            phone="1",
        )
    assert set(info.value.message_dict) == {"id_number", "relation", "phone"}
    with pytest.raises(ValidationError, match="不能是申请人本人"):
        guardian_add(
            actor=None,
            person=hlr_person,
            kind="guardian",
            name="李强",
            id_number=hlr_person.id_number,
            relation="儿子",
            phone="13900000000",
        )
    guardian = guardian_add(
        actor=None,
        person=hlr_person,
        kind="agent",
        name="李强",
        id_number=factories.id_number(birth=date(1985, 1, 1)),
        relation="儿子",
        phone="13900000000",
    )
    assert Guardian.objects.get().pk == guardian.pk


def test_an_officer_cannot_register_a_person_outside_their_region(mzl_civil):
    with pytest.raises(PermissionDenied):
        factories.person("150702001", actor=mzl_civil)
    assert Person.objects.count() == 0


# --- PII at rest -------------------------------------------------------------------------------


def _all_rows_as_text() -> str:
    chunks = []
    with connection.cursor() as cursor:
        for model in apps.get_models():
            table = connection.ops.quote_name(model._meta.db_table)
            cursor.execute(f"SELECT * FROM {table}")  # noqa: S608 - table names from the ORM
            chunks.extend(repr(row) for row in cursor.fetchall())
    return "\n".join(chunks)


def test_id_numbers_never_appear_in_clear_in_the_database(hlr_person, hlr_clerk):
    guardian_number = factories.id_number(birth=date(1980, 2, 2))
    guardian_add(
        actor=hlr_clerk,
        person=hlr_person,
        kind="guardian",
        name="李强",
        id_number=guardian_number,
        relation="儿子",
        phone="13900000000",
    )
    certificate_record(
        actor=hlr_clerk,
        person=hlr_person,
        number=hlr_person.id_number + "11",
        issue_date=date(2025, 1, 2),
    )
    person_reveal_id(actor=hlr_clerk, person=hlr_person)
    dump = _all_rows_as_text()
    for number in (hlr_person.id_number, guardian_number):
        assert number not in dump
        assert number[6:14] + number[14:] not in dump  # not even the birth date + sequence part


def test_ciphertext_is_bound_to_its_column():
    a, b = factories.person(), factories.person(name="李四")
    # A ciphertext moved to another row kind (here: into a certificate) must not decrypt.
    Person.objects.filter(pk=b.pk).update(id_number_cipher=a.id_number_cipher)
    b.refresh_from_db()
    assert b.id_number == a.id_number  # same column: same context, decrypts (rows are not bound)
    cert = Certificate(number_cipher=a.id_number_cipher)
    with pytest.raises(Exception, match="authentication"):
        cert.number  # noqa: B018


@pytest.mark.parametrize(
    "cipher,keys,index",
    [
        ("sm4-gcm", "k1:" + "11" * 16, "hmac-sm3"),
        ("aes-256-gcm", "k1:" + "22" * 32, "hmac-sha256"),
    ],
)
def test_both_cipher_suites_round_trip_and_old_keys_still_decrypt(settings, cipher, keys, index):
    settings.PII_CIPHER, settings.PII_KEYS, settings.PII_INDEX_HASH = cipher, keys, index
    old = factories.person()
    settings.PII_KEYS = (
        keys.replace("k1:", "k2:").replace("11", "33").replace("22", "44") + "," + keys
    )
    settings.PII_KEY_ID = "k2"
    new = factories.person(name="李四")
    assert new.id_number_cipher.startswith("k2:") and old.id_number_cipher.startswith("k1:")
    assert Person.objects.get(pk=old.pk).id_number == old.id_number


# --- on screen and in logs ---------------------------------------------------------------------


def test_supervisor_sees_only_the_masked_number_and_cannot_reveal(
    client, login, hlbe_supervisor, hlr_person
):
    login(hlbe_supervisor)
    page = client.get(f"/workbench/persons/{hlr_person.pk}/").content.decode()
    assert hlr_person.id_number_masked in page
    assert hlr_person.id_number not in page
    assert "查看完整身份证号" not in page
    assert client.post(f"/workbench/persons/{hlr_person.pk}/reveal/").status_code == 403


def test_clerk_reveals_the_full_number_and_the_reveal_is_audited(
    client, login, hlr_clerk, hlr_person
):
    login(hlr_clerk)
    page = client.get(f"/workbench/persons/{hlr_person.pk}/").content.decode()
    assert hlr_person.id_number not in page and "查看完整身份证号" in page
    revealed = client.post(f"/workbench/persons/{hlr_person.pk}/reveal/").content.decode()
    assert hlr_person.id_number in revealed
    event = AuditEvent.objects.get(action=AuditAction.PERSON_REVEAL_ID)
    assert event.actor == hlr_clerk and event.subject_id == str(hlr_person.pk)


def test_id_numbers_are_not_logged(client, login, hlr_clerk, caplog):
    caplog.set_level(logging.DEBUG)
    login(hlr_clerk)
    person = factories.person(actor=hlr_clerk)
    client.post("/workbench/persons/", {"q": person.id_number})
    client.post(f"/workbench/persons/{person.pk}/reveal/")
    client.post("/workbench/persons/", {"q": "150702199003030218"})  # a bad number
    assert person.id_number not in caplog.text
    assert "150702199003030218" not in caplog.text


# --- scope -------------------------------------------------------------------------------------


def test_a_manzhouli_officer_cannot_read_a_hailar_person(client, login, mzl_civil, hlr_person):
    login(mzl_civil)
    response = client.get(f"/workbench/persons/{hlr_person.pk}/")
    assert response.status_code == 404
    assert hlr_person.name not in response.content.decode()
    assert client.post(f"/workbench/persons/{hlr_person.pk}/reveal/").status_code == 404
    listing = client.get("/workbench/persons/").content.decode()
    assert hlr_person.name not in listing
    search = client.post("/workbench/persons/", {"q": hlr_person.id_number}).content.decode()
    assert hlr_person.name not in search and "共 0 人" in search


def test_a_manzhouli_admin_cannot_read_a_hailar_person_in_the_admin(
    client, login, mzl_admin, hlr_person
):
    login(mzl_admin)
    listing = client.get("/admin/people/person/").content.decode()
    assert hlr_person.name not in listing
    response = client.get(f"/admin/people/person/{hlr_person.pk}/change/", follow=True)
    assert hlr_person.name not in response.content.decode()


def test_a_city_admin_sees_masked_numbers_in_the_admin(client, login, hlbe_admin, hlr_person):
    login(hlbe_admin)
    page = client.get(f"/admin/people/person/{hlr_person.pk}/change/").content.decode()
    assert hlr_person.name in page
    assert hlr_person.id_number_masked in page and hlr_person.id_number not in page


def test_person_search_by_exact_number_and_by_name(client, login, hlr_civil, hlr_person):
    login(hlr_civil)
    # Searches are POSTed so ID numbers never land in URLs, browser history or access logs.
    by_number = client.post("/workbench/persons/", {"q": hlr_person.id_number.lower()})
    assert hlr_person.name in by_number.content.decode()
    by_name = client.post("/workbench/persons/", {"q": "桂兰"}).content.decode()
    assert hlr_person.name in by_name
    bad = client.post("/workbench/persons/", {"q": "1507021990"}).content.decode()
    assert "应为 18 位" in bad and 'aria-invalid="true"' in bad


def test_person_list_is_paginated(client, login, hlr_civil):
    for i in range(23):
        factories.person(name=f"测试{chr(0x4E00 + i)}")
    login(hlr_civil)
    first = client.get("/workbench/persons/").content.decode()
    assert "共 23 人" in first and "第 1 页，共 2 页" in first
    second = client.get("/workbench/persons/?page=2").content.decode()
    assert second.count('<th scope="row">') == 3


@pytest.mark.django_db
def test_a_name_in_mongolian_script_is_stored_normalised_and_found(client, hlr_clerk):
    factories.person(name="巴特尔", name_mn="ᠪᠠᠭᠠᠲᠤᠷ")
    registered = factories.person(name="其木格", name_mn="  ᠴᠢᠮᠡᠭ\u3000  ᠲᠡᠮᠦᠷ ")
    assert registered.name_mn == "ᠴᠢᠮᠡᠭ ᠲᠡᠮᠦᠷ"
    client.force_login(hlr_clerk)
    found = client.post("/workbench/persons/", {"q": "ᠴᠢᠮᠡᠭ  ᠲᠡᠮᠦᠷ"}).content.decode()
    assert "其木格" in found and "巴特尔" not in found
    detail = client.get(f"/workbench/persons/{registered.pk}/").content.decode()
    assert '<dd lang="mn-Mong" id="name-mn">ᠴᠢᠮᠡᠭ ᠲᠡᠮᠦᠷ</dd>' in detail


@pytest.mark.django_db
@pytest.mark.parametrize("name_mn", ["Chimeg", "Чимэг", "其木格", "ᠴᠢᠮᠡᠭ1"])
def test_a_mongolian_name_in_another_script_is_refused(name_mn):
    with pytest.raises(ValidationError, match="传统蒙古文"):
        factories.person(name="其木格", name_mn=name_mn)
    assert not Person.objects.exists()


@pytest.mark.django_db
def test_a_name_typed_in_the_legacy_menksoft_code_is_refused_with_the_way_to_retype_it():
    """Menksoft's private-use glyph codes (U+E234-U+E71D) show nothing without its font: the
    name is not stored as unreadable code points, and the clerk is told what to do."""
    for legacy in ("\ue234", "\ue71d", "\ue2f2\ue3a1\ue26c"):
        with pytest.raises(ValidationError, match="蒙科立旧编码"):
            factories.person(name="其木格", name_mn=legacy)
    assert not Person.objects.exists()

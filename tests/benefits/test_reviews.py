"""定期复核: pre-checked by the shared data, confirmed or stopped by the township within its
deadline; late means a reminder and 督办, never a silent stop; a stop counts from next month."""

import io
from datetime import UTC, date, datetime

import pytest
from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.core.management import call_command
from django.test import Client

from onestop.accounts.roles import Role
from onestop.audit.models import AuditAction, AuditEvent
from onestop.benefits.models import Entitlement, ReviewItem
from onestop.benefits.prepare import run_prepare
from onestop.benefits.reviews import review_decide, review_open, reviews_press
from onestop.benefits.selectors import payments_of, review_items_for
from onestop.core.actions import ActionRefused
from onestop.exchange.sync import import_records
from onestop.notices.models import Notice
from onestop.people.models import Person
from onestop.people.shared_data import shared_record_upsert

from .. import factories
from ..cases.helpers import at, decide, submit
from ..test_portal import sign_in
from .conftest import approved_living


def reported_dead(staff) -> Entitlement:
    """巴图, approved for the living subsidy in March, whom 公安户籍 has since reported dead."""
    doubtful = approved_living(
        staff, applied=date(2026, 2, 3), approved=date(2026, 3, 10), name="巴图"
    )
    shared_record_upsert(
        actor=None,
        person=doubtful.person,
        fact="deceased",
        value=True,
        source="公安户籍",
        source_time=datetime(2026, 11, 1, tzinfo=UTC),
    )
    return doubtful


def test_a_review_is_prechecked_confirmed_or_stopped_and_pressed_when_late(client, staff, hailar):
    kept = approved_living(staff, applied=date(2026, 2, 3), approved=date(2026, 3, 10))
    doubtful = reported_dead(staff)
    late = approved_living(staff, applied=date(2026, 2, 3), approved=date(2026, 3, 10), name="乌兰")
    with at(date(2026, 11, 2)):
        review = review_open(actor=staff["county"], county=hailar, year=2026)
        again = review_open(actor=staff["county"], county=hailar, year=2026)
    assert again.pk == review.pk and review.items.count() == 3
    assert review.due_date == date(2026, 11, 23)  # 15 working days
    item = {i.entitlement_id: i for i in review.items.all()}
    assert {i.due_date for i in item.values()} == {date(2026, 11, 23)}
    portal = payments_of(Person.objects.filter(pk=kept.person_id))[0]
    assert portal.review == item[kept.pk]
    assert item[doubtful.pk].doubts == ["健在"] and item[kept.pk].doubts == []

    page = client
    page.force_login(staff["township"])
    body = page.get("/workbench/reviews/").content.decode()
    assert "预核有疑问：健在，请核实" in body and "共 3 人" in body
    with at(date(2026, 11, 10)):
        kept_pk, doubtful_pk = item[kept.pk].pk, item[doubtful.pk].pk
        page.post(f"/workbench/reviews/{kept_pk}/decide/", {f"review-{kept_pk}-keep": "yes"})
        refused = page.post(
            f"/workbench/reviews/{doubtful_pk}/decide/",
            {f"review-{doubtful_pk}-keep": "no"},
            follow=True,
        )
        assert "停止享受须写明复核意见" in refused.content.decode()
        page.post(
            f"/workbench/reviews/{doubtful_pk}/decide/",
            {f"review-{doubtful_pk}-keep": "no", f"review-{doubtful_pk}-note": "经核实已去世"},
        )
        with pytest.raises(ActionRefused, match="已复核过了"):
            review_decide(actor=staff["township"], item=item[kept.pk], keep=False, note="x")
        with pytest.raises(PermissionDenied):
            review_decide(actor=staff["county"], item=item[late.pk], keep=True)
    doubtful.refresh_from_db()
    assert (doubtful.end, doubtful.end_reason) == (date(2026, 11, 1), "review_failed")

    with at(date(2026, 11, 24)):  # past the deadline: pressed, not stopped
        pressed = reviews_press(today=date(2026, 11, 24))
        twice = reviews_press(today=date(2026, 11, 24))
    assert (pressed.queues, pressed.items, twice.items) == (1, 1, 0)
    told = Notice.objects.filter(event="review_pressed").values_list("unit__code", flat=True)
    assert sorted(told) == ["civil-150702", "civil-150702001"]
    assert ReviewItem.objects.get(pk=item[late.pk].pk).status == "pending"
    with at(date(2026, 12, 5)):
        december = run_prepare(
            actor=staff["county"], county=hailar, kind="LIVING", month=date(2026, 12, 1)
        ).run
    paid = set(december.lines.filter(month=date(2026, 12, 1)).values_list("person_id", flat=True))
    assert paid == {kept.person_id, late.person_id}


def _township_officer(code: str):
    return factories.staff(
        f"b_township_{code}", Role.TOWNSHIP_CIVIL, f"civil-{code}", name="乡镇员"
    )


def _portal_page(phone: str, day: date) -> str:
    with at(day):
        return sign_in(Client(), phone).get("/portal/benefits/").content.decode()


def _review_page(client, user, day: date) -> str:
    client.force_login(user)
    with at(day):
        return client.get("/workbench/reviews/").content.decode()


def test_people_entitled_after_the_round_opened_get_their_own_deadline(client, staff, hailar):
    first = approved_living(staff, applied=date(2026, 2, 3), approved=date(2026, 3, 10))
    with at(date(2026, 11, 2)):
        review_open(actor=staff["county"], county=hailar, year=2026)
    # Approved after the round opened; the round is opened again on 1 December.
    newcomer = approved_living(
        staff,
        applied=date(2026, 11, 5),
        approved=date(2026, 11, 26),
        name="其其格",
        phone="13900002222",
    )
    with at(date(2026, 12, 1)):
        review = review_open(actor=staff["county"], county=hailar, year=2026)
    items = {i.entitlement_id: i for i in review.items.all()}
    assert review.due_date == date(2026, 11, 23)  # the round keeps its first deadline
    assert items[first.pk].due_date == date(2026, 11, 23)
    assert items[newcomer.pk].due_date == date(2026, 12, 22)  # 15 working days from 1 December

    # On the day it arrives the newcomer is not overdue; the first one is, and comes first.
    body = _review_page(client, staff["township"], date(2026, 12, 1))
    assert "期限 2026年12月22日。" in body and "期限 2026年11月23日（已超期）" in body
    assert body.index(first.person.name) < body.index("其其格")
    portal = payments_of(Person.objects.filter(pk=newcomer.person_id))[0]
    assert portal.review == items[newcomer.pk]
    assert "会在 2026年12月22日 前与您核实情况" in _portal_page("13900002222", date(2026, 12, 1))

    with at(date(2026, 12, 1)):
        pressed = reviews_press(today=date(2026, 12, 1))
    assert (pressed.queues, pressed.items) == (1, 1)
    assert ReviewItem.objects.get(pk=items[newcomer.pk].pk).pressed_at is None
    with at(date(2026, 12, 23)):
        late = reviews_press(today=date(2026, 12, 23))
    assert late.items == 1
    text = Notice.objects.filter(event="review_pressed").order_by("pk").last().text
    assert "期限为 2026年12月22日" in text
    opened = AuditEvent.objects.filter(action=AuditAction.REVIEW_OPEN).order_by("pk")
    assert [(e.detail["added"], e.detail["due"]) for e in opened] == [
        (1, "2026-11-23"),
        (1, "2026-12-22"),
    ]


def _moved_before_approval(staff) -> Entitlement:
    """Applied in 海拉尔区; the 户籍 moved to 满洲里市 while the application was decided, so the
    entitlement is 海拉尔区's and still paid (a move ends only the entitlements there are)."""
    person = factories.certified_person(dibao_category="urban", name="朝鲁", phone="13900003333")
    app = submit(staff, person, matters=["LIVING"], day=date(2026, 2, 3), answers={})
    move = {
        "id_number": person.id_number,
        "type": "hukou",
        "value": {"region": "150781001", "date": "2026-02-20"},
        "version": "2026-02-21T10:00:00+08:00",
        "source": "公安户籍",
    }
    with at(date(2026, 2, 21)):
        [result] = import_records(actor=None, records=[move])
    assert result.status == "applied"
    for officer in ("township", "cdpf", "county"):
        decide(staff[officer], app, "LIVING", date(2026, 3, 10))
    return Entitlement.objects.get(person=person, kind="LIVING", end__isnull=True)


def test_a_person_whose_hukou_left_the_county_is_reviewed_by_its_civil_affairs_bureau(
    client, staff, hailar
):
    moved = _moved_before_approval(staff)
    local = approved_living(staff, applied=date(2026, 2, 3), approved=date(2026, 3, 10))
    with at(date(2026, 11, 2)):
        review = review_open(actor=staff["county"], county=hailar, year=2026)
    item = review.items.get(entitlement=moved)
    assert (item.region_id, item.by_county, item.doubts) == ("150702", True, ["户籍仍在本旗县"])
    assert review.items.get(entitlement=local).region_id == "150702001"
    assert AuditEvent.objects.get(action=AuditAction.REVIEW_OPEN).detail["to_county"] == 1

    # The township officer of the county the person moved to has no say and sees nothing.
    elsewhere = _township_officer("150781001")
    assert list(review_items_for(elsewhere, show_all=True)) == []
    assert "没有待复核的人员" in _review_page(client, elsewhere, date(2026, 11, 10))
    with at(date(2026, 11, 10)):
        assert client.post(f"/workbench/reviews/{item.pk}/decide/").status_code == 404
        # Nor does the paying county's township officer, nor another county's 民政局.
        for officer in (elsewhere, staff["township"], staff["mzl"]):
            with pytest.raises(PermissionDenied):
                review_decide(actor=officer, item=item, keep=True)
    assert "朝鲁" not in _review_page(client, staff["township"], date(2026, 11, 10))

    # The county 民政局 sees the pre-check failed and decides this one, and only this one.
    body = _review_page(client, staff["county"], date(2026, 11, 10))
    assert "朝鲁（户籍现在满洲里市东山街道，由海拉尔区民政局复核）" in body
    assert "预核有疑问：户籍仍在本旗县，请核实" in body
    assert f'action="/workbench/reviews/{item.pk}/decide/"' in body
    local_item = review.items.get(entitlement=local)
    assert f'action="/workbench/reviews/{local_item.pk}/decide/"' not in body
    with at(date(2026, 11, 10)):
        with pytest.raises(PermissionDenied):
            review_decide(actor=staff["county"], item=local_item, keep=True)
        client.post(
            f"/workbench/reviews/{item.pk}/decide/",
            {f"review-{item.pk}-keep": "no", f"review-{item.pk}-note": "户籍已迁至满洲里市"},
        )
    item.refresh_from_db()
    assert (item.status, item.decided_by) == ("stopped", staff["county"])
    moved.refresh_from_db()
    assert (moved.end, moved.end_reason) == (date(2026, 11, 1), "review_failed")
    decided = AuditEvent.objects.get(action=AuditAction.REVIEW_DECIDE)
    assert (decided.actor, decided.detail["by_county"]) == (staff["county"], True)


def test_a_late_review_queued_for_the_county_presses_its_civil_affairs_bureau_once(staff, hailar):
    _moved_before_approval(staff)
    with at(date(2026, 11, 2)):
        review_open(actor=staff["county"], county=hailar, year=2026)
    page = _portal_page("13900003333", date(2026, 11, 3))
    assert "旗县（市、区）民政局工作人员会在 2026年11月23日 前与您核实情况" in page
    with at(date(2026, 11, 24)):
        pressed = reviews_press(today=date(2026, 11, 24))
    assert (pressed.queues, pressed.items) == (1, 1)
    [notice] = Notice.objects.filter(event="review_pressed")
    assert notice.unit.code == "civil-150702"
    assert notice.text.startswith("由海拉尔区民政局直接复核的 1 名享受人员（户籍已不在本旗县）")


def test_the_command_says_who_is_left_and_the_latest_deadline(staff, hailar):
    _moved_before_approval(staff)
    approved_living(staff, applied=date(2026, 2, 3), approved=date(2026, 3, 10))
    out = io.StringIO()
    with at(date(2026, 11, 2)):
        call_command("review_open", "--year", "2026", "--county", "150702", stdout=out)
    assert out.getvalue().strip() == (
        "海拉尔区 2026 年定期复核：待复核 2 人，预核有疑问 1 人，"
        "户籍已不在本旗县、由民政局直接复核 1 人。"
        "每人自列入复核之日起 15 个工作日内复核完毕，最晚的期限为 2026年11月23日。"
    )


def test_the_review_queue_reads_in_mongolian(client, staff, hailar):
    """A township officer reading Mongolian sees each person's pre-check in Mongolian."""
    from onestop.accounts.models import StaffUser
    from onestop.lang import catalog
    from tests.test_lang import _chinese_left, _staff_known

    reported_dead(staff)
    with at(date(2026, 11, 2)):
        review_open(actor=staff["county"], county=hailar, year=2026)
    StaffUser.objects.filter(pk=staff["township"].pk).update(language=catalog.MONGOLIAN)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = catalog.MONGOLIAN
    client.force_login(staff["township"])
    with at(date(2026, 11, 10)):
        html = client.get("/workbench/reviews/").content.decode()
    shipped = catalog.shipped()
    assert '<html lang="mn-Mong">' in html
    doubt = shipped["预核有疑问：%(doubts)s，请核实。"].text % {"doubts": shipped["健在"].text}
    assert doubt in html
    assert not _chinese_left(html, *_staff_known("巴图", "township员"))

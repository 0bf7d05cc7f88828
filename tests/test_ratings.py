"""好差评: attribution, the follow-up of every 差评, appeals, and 一次一评 at the window."""

from datetime import date

import pytest
from django.conf import settings
from django.core.exceptions import PermissionDenied

from onestop.accounts.models import StaffUser
from onestop.accounts.roles import Role
from onestop.core import clock
from onestop.notices.models import Notice
from onestop.ratings.models import Rating
from onestop.ratings.services import (
    rating_answer,
    rating_appeal_decide,
    rating_rate_rectification,
    rating_submit,
    rating_submit_window,
)

from . import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def team(db):
    return {
        "clerk": factories.staff("r_clerk", Role.WINDOW_CLERK, "cdpf-150702"),
        "hrss": factories.staff("r_hrss", Role.HRSS_OFFICER, "hrss-150702"),
        "hrss2": factories.staff("r_hrss2", Role.HRSS_OFFICER, "hrss-150781"),
        "supervisor": factories.staff("r_sup", Role.SUPERVISOR, "gov-150700"),
    }


@pytest.fixture
def concluded(team):
    applicant = factories.holder(
        name="萨仁", birth=date(1975, 1, 1), phone="13904788801", dibao_category="urban"
    )
    return factories.application_concluded(
        team["clerk"], {Role.HRSS_OFFICER: team["hrss"]}, applicant
    )


def login(client, user):
    client.logout()
    client.post("/accounts/login/", {"username": user.username, "password": factories.PASSWORD})


def test_ratings_fall_on_the_unit_and_step_that_caused_them(concluded):
    matter = concluded.matters.get()
    on_matter = rating_submit(phone="13904788801", application=concluded, matter=matter, level=5)
    on_whole = rating_submit(phone="13904788801", application=concluded, level=4)
    assert on_matter.unit.code == "hrss-150702" and on_matter.step.name == "人社代缴登记"
    assert on_whole.unit.code == "cdpf-150702" and on_whole.step is None
    assert on_matter.followup == "" and on_matter.followup_due is None


def test_a_bad_rating_opens_a_follow_up_with_a_deadline_and_tells_the_unit(concluded):
    matter = concluded.matters.get()
    with clock.frozen(clock.now().replace(year=2026, month=9, day=30)):
        bad = rating_submit(
            phone="13904788801", application=concluded, matter=matter, level=1, comment="态度差"
        )
    assert bad.followup == "open" and bad.followup_due == date(
        2026, 10, 13
    )  # 5 working days across National Day
    notice = Notice.objects.get(unit__code="hrss-150702", event="bad_rating")
    assert "态度差" in notice.text and "2026年10月13日" in notice.text


def test_the_unit_calls_back_answers_and_the_applicant_rates_the_rectification(
    client, team, concluded
):
    bad = rating_submit(
        phone="13904788801",
        application=concluded,
        matter=concluded.matters.get(),
        level=2,
        comment="等太久",
    )
    login(client, team["hrss"])
    listing = client.get("/workbench/ratings/").content.decode()
    assert concluded.tracking_no in listing and "待回访整改" in listing
    assert (
        "请填写回访和核实情况"
        in client.post(
            f"/workbench/ratings/{bad.pk}/call/", {"note": ""}, follow=True
        ).content.decode()
    )
    client.post(f"/workbench/ratings/{bad.pk}/call/", {"note": "已电话回访，确因系统故障延误"})
    client.post(
        f"/workbench/ratings/{bad.pk}/answer/",
        {"answer": "已修复系统并增加人手", "rectify_by": "2026-12-15"},
    )
    bad.refresh_from_db()
    assert bad.followup == "answered" and bad.called_at and bad.rectify_by == date(2026, 12, 15)
    # Another unit's officer cannot touch it.
    login(client, team["hrss2"])
    assert client.get(f"/workbench/ratings/{bad.pk}/").status_code == 404


def test_an_appeal_is_decided_by_the_supervisor(client, team, concluded):
    bad = rating_submit(
        phone="13904788801",
        application=concluded,
        matter=concluded.matters.get(),
        level=1,
        comment="随便打的",
    )
    login(client, team["hrss"])
    client.post(f"/workbench/ratings/{bad.pk}/appeal/", {"reason": "申请人来电说明是误操作"})
    bad.refresh_from_db()
    assert bad.followup == "appealed"
    assert (
        client.post(
            f"/workbench/ratings/{bad.pk}/decide/", {"upheld": "yes", "note": "x"}
        ).status_code
        == 403
    )
    login(client, team["supervisor"])
    page = client.get("/workbench/ratings/").content.decode()
    assert "单位申诉中" in page
    client.post(f"/workbench/ratings/{bad.pk}/decide/", {"upheld": "yes", "note": "已核实为误操作"})
    bad.refresh_from_db()
    assert bad.followup == "withdrawn" and bad.appeal_decision == "已核实为误操作"


def test_one_rating_per_visit_at_the_window(client, team, concluded):
    login(client, team["clerk"])
    page = client.get(f"/workbench/applications/{concluded.pk}/receipt/").content.decode()
    assert "一次一评" in page
    client.post(f"/workbench/applications/{concluded.pk}/window-rating/", {"level": "5"})
    client.post(
        f"/workbench/applications/{concluded.pk}/window-rating/",
        {"level": "2", "comment": "排队久"},
    )
    visits = Rating.objects.filter(application=concluded, channel="window").order_by("pk")
    assert [r.level for r in visits] == [5, 2] and visits[1].followup == "open"
    assert visits[1].unit.code == "cdpf-150702"
    login(client, team["hrss"])
    assert client.post(
        f"/workbench/applications/{concluded.pk}/window-rating/", {"level": "5"}
    ).status_code in (403, 404)


def test_the_applicant_is_told_of_the_answer_on_their_channels_and_can_rate_it(team, concluded):
    """The answer reaches the applicant as their other notices do (inbox and text; a voice
    call from the window for a blind applicant), quoted once, with the way to rate it."""
    concluded.communication_needs = ["voice_call"]
    concluded.save(update_fields=["communication_needs"])
    bad = rating_submit(
        phone="13904788801",
        application=concluded,
        matter=concluded.matters.get(),
        level=2,
        comment="等太久",
    )
    answered = rating_answer(
        actor=team["hrss"],
        rating=bad,
        answer="已增加人手，今后三个工作日内办结。",
        rectify_by=date(2026, 12, 15),
    )
    told = Notice.objects.filter(application=concluded, event="rating_answered")
    assert sorted(told.values_list("channel", flat=True)) == ["inbox", "sms", "voice"]
    text = told.get(channel="inbox").text
    assert "已增加人手，今后三个工作日内办结。整改期限 2026年12月15日。" in text
    assert "。。" not in text and "评价整改情况" in text
    assert told.get(channel="voice").unit.code == "cdpf-150702"  # the window makes the call
    rated = rating_rate_rectification(phone="13904788801", rating=answered, level=4)
    assert rated.rectification_level == 4


def test_an_overall_bad_rating_naming_a_department_reaches_that_unit(client, team, concluded):
    medical = factories.staff("r_med", Role.MEDICAL_OFFICER, "medical-150702")
    bad = rating_submit(
        phone="13904788801", application=concluded, level=1, comment="医保报销让我跑了三趟"
    )
    assert bad.unit.code == "cdpf-150702"
    assert [u.code for u in bad.named_units.all()] == ["medical-150702"]
    told = Notice.objects.filter(event="bad_rating").values_list("unit__code", flat=True)
    assert sorted(told) == ["cdpf-150702", "medical-150702"]
    login(client, medical)
    listing = client.get("/workbench/ratings/").content.decode()
    assert concluded.tracking_no in listing and "意见提到本单位" in listing
    client.post(f"/workbench/ratings/{bad.pk}/answer/", {"answer": "已简化报销材料"})
    bad.refresh_from_db()
    assert bad.followup == "answered" and bad.answered_by == medical
    # The units it does not name never see it.
    login(client, team["hrss"])
    assert client.get(f"/workbench/ratings/{bad.pk}/").status_code == 404


def test_a_named_matter_reaches_the_unit_that_decided_it(team, concluded):
    bad = rating_submit(
        phone="13904788801", application=concluded, level=2, comment="养老保险代缴办得太慢。"
    )
    assert [u.code for u in bad.named_units.all()] == ["hrss-150702"]
    assert "办得太慢。请在" in Notice.objects.get(unit__code="hrss-150702", event="bad_rating").text


def test_staff_without_a_unit_may_neither_take_a_window_rating_nor_decide_an_appeal(concluded):
    clerk = StaffUser.objects.create_user("r_nounit_clerk", role=Role.WINDOW_CLERK)
    supervisor = StaffUser.objects.create_user("r_nounit_sup", role=Role.SUPERVISOR)
    rating = rating_submit(phone="13904788801", application=concluded, level=1)
    with pytest.raises(PermissionDenied):
        rating_submit_window(actor=clerk, application=concluded, level=5)
    with pytest.raises(PermissionDenied):
        rating_appeal_decide(actor=supervisor, rating=rating, upheld=True, note="核实")


def test_the_follow_up_of_a_bad_rating_reads_in_mongolian(client, team, concluded, tuesday):
    """A supervisor reading Mongolian: the follow-up list and page, and the supervision page,
    in the catalog's words; the applicant's comment stays as they wrote it."""
    from onestop.lang import catalog
    from tests.test_lang import _chinese_left, _staff_known

    bad = rating_submit(phone="13904788801", application=concluded, level=1, comment="等了很久")
    StaffUser.objects.filter(pk=team["supervisor"].pk).update(language=catalog.MONGOLIAN)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = catalog.MONGOLIAN
    login(client, team["supervisor"])
    shipped = catalog.shipped()
    pages = {
        "supervise": client.get("/workbench/supervise/").content.decode(),
        "ratings": client.get("/workbench/ratings/").content.decode(),
        "rating": client.get(f"/workbench/ratings/{bad.pk}/").content.decode(),
    }
    assert shipped["待回访整改"].text in pages["rating"]
    assert shipped["非常不满意"].text in pages["ratings"]
    known = _staff_known("萨仁", "测试员", "等了很久")
    for name, html in pages.items():
        assert '<html lang="mn-Mong">' in html, name
        assert not _chinese_left(html, *known), (name, _chinese_left(html, *known))

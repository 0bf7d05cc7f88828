"""Report figures against values worked out by hand for a small seeded set, across the 2026
中秋/国庆 holidays and the 调休 Saturday of 10 October; scope; exports; the monthly PDF."""

import csv
import io
import re
from datetime import UTC, date, datetime, time

import pytest
from django.db.models import Sum
from openpyxl import load_workbook
from pypdf import PdfReader

from onestop.accounts.roles import Role
from onestop.cases.acceptance import application_accept
from onestop.cases.chains import Outcome
from onestop.cases.intake import application_submit
from onestop.cases.models import Step
from onestop.cases.steps import Decision, step_decide
from onestop.core import clock
from onestop.delivery import services as delivery
from onestop.delivery.models import Handover
from onestop.notices.models import Notice
from onestop.ratings.services import rating_submit
from onestop.reports.models import StepDay, StepMonth
from onestop.reports.selectors import build, percentile
from onestop.reports.services import figures_rebuild

from . import factories
from .pdfs import pdf_text

pytestmark = pytest.mark.django_db


def at(day: date, hour: int = 10):
    # 10:00 in Beijing is 02:00 UTC: the same calendar day either way.
    return clock.frozen(datetime.combine(day, time(hour - 8), tzinfo=UTC))


@pytest.fixture
def staff(db):
    roles = {
        "clerk": (Role.WINDOW_CLERK, "cdpf-150702"),
        "township": (Role.TOWNSHIP_CIVIL, "civil-150702001"),
        "cdpf": (Role.CDPF_REVIEWER, "cdpf-150702"),
        "county": (Role.COUNTY_CIVIL, "civil-150702"),
        "mzl_clerk": (Role.WINDOW_CLERK, "cdpf-150781"),
        "mzl_township": (Role.TOWNSHIP_CIVIL, "civil-150781001"),
        "city": (Role.SUPERVISOR, "gov-150700"),
        "hailar": (Role.SUPERVISOR, "gov-150702"),
    }
    return {k: factories.staff(f"r_{k}", role, unit) for k, (role, unit) in roles.items()}


def eligible(township: str, name: str, birth: date):
    return factories.certified_person(
        township, name=name, birth=birth, dibao_category="urban", phone="13904700000"
    )


def apply(staff, person, channel, delivery_choice, day, clerk="clerk", accepted=None):
    with at(day):
        app = application_submit(
            actor=staff[clerk] if channel == "window" else None,
            channel=channel,
            applicant=person,
            matters=["LIVING"],
            delivery=delivery_choice,
            delivery_address="正阳街道1号" if delivery_choice == "post" else "",
            consent_given=True,
            sensitive_consent_given=True,
        )
    with at(accepted or day):
        return application_accept(actor=staff[clerk], application=app)


def decide(staff, app, who, day, outcome=Outcome.APPROVE):
    step = Step.objects.get(matter__application=app, status="active")
    with at(day):
        step_decide(actor=staff[who], step=step, decision=Decision(outcome, reason="核查意见。"))


@pytest.fixture
def seeded(staff):
    """Three 海拉尔区 applications and one in 满洲里市.

    A (window, pick-up), submitted Wed 30 Sep: 乡镇 decides Fri 9 Oct (2 working days: 8, 9 Oct;
    due 9 Oct, on time); 残联 decides Mon 12 Oct (2 working days: Sat 10 Oct is a 调休 working
    day, then 12 Oct; due 10 Oct, late); 民政局 decides Tue 13 Oct (1 day, on time). Picked up on
    14 Oct: 2 trips (the window visit and the pick-up).
    B (online, post), submitted 30 Sep, accepted Thu 8 Oct: all three steps on 8 Oct (0 days
    each), the last one refusing. Posted and delivered 9 Oct: 0 trips.
    C (window, post), submitted Mon 12 Oct, still at the 乡镇 step on 16 Oct, due 14 Oct: late now.
    M (满洲里市, window), submitted 12 Oct: outside 海拉尔区.
    """
    a = apply(
        staff,
        eligible("150702001", "阿拉坦", date(1970, 1, 1)),
        "window",
        "pickup",
        date(2026, 9, 30),
    )
    b = apply(
        staff,
        eligible("150702001", "巴雅尔", date(1971, 1, 1)),
        "online",
        "post",
        date(2026, 9, 30),
        accepted=date(2026, 10, 8),
    )
    decide(staff, b, "township", date(2026, 10, 8))
    decide(staff, b, "cdpf", date(2026, 10, 8))
    decide(staff, b, "county", date(2026, 10, 8), Outcome.REJECT)
    decide(staff, a, "township", date(2026, 10, 9))
    decide(staff, a, "cdpf", date(2026, 10, 12))
    decide(staff, a, "county", date(2026, 10, 13))
    with at(date(2026, 10, 9)):
        handover = Handover.objects.get(application=b)
        delivery.handover_post(actor=staff["clerk"], handover=handover, tracking_no="EMS1")
        delivery.handover_track(actor=None, handover=handover, status="delivered")
    with at(date(2026, 10, 14)):
        handover = Handover.objects.get(application=a)
        code = re.search(
            r"取件码 (\d{6})",
            Notice.objects.get(application=a, event="ready", channel="inbox").text,
        ).group(1)
        delivery.handover_pickup(actor=staff["clerk"], handover=handover, code=code)
        a.refresh_from_db()
        rating_submit(application=a, matter=None, level=5, comment="", phone="13904700000")
    c = apply(
        staff, eligible("150702001", "朝鲁", date(1972, 1, 1)), "window", "post", date(2026, 10, 12)
    )
    m = apply(
        staff,
        eligible("150781001", "其其格", date(1973, 1, 1)),
        "window",
        "pickup",
        date(2026, 10, 12),
        clerk="mzl_clerk",
    )
    with at(date(2026, 10, 16), 18):
        figures_rebuild(day_from=date(2026, 9, 1), day_to=date(2026, 10, 31))
    return {"a": a, "b": b, "c": c, "m": m}


def table(report, key):
    return next(t for t in report.tables if t.key == key)


def tiles(report):
    return {label: value for label, value, _ in report.tiles}


def test_figures_match_the_hand_count(staff, seeded):
    with at(date(2026, 10, 16)):
        report = build(
            staff["hailar"], {"date_from": date(2026, 9, 1), "date_to": date(2026, 10, 31)}
        )
    t = tiles(report)
    assert t["申请"] == "3" and t["已送达"] == "2"
    assert t["最多跑一次"] == "50.0%"  # B with 0 trips; A took 2
    assert table(report, "trips").rows == [
        ["0 次（全程网办或上门）", 1, "50.0%"],
        ["1 次", 0, "0.0%"],
        ["2 次及以上", 1, "50.0%"],
    ]
    months = table(report, "months")
    assert months.columns == ["月份", "窗口", "网上", "主动推送", "合计"]
    assert months.rows == [["2026-09", 1, 1, 0, 2], ["2026-10", 1, 0, 0, 1]]
    assert table(report, "matters").rows == [["困难残疾人生活补贴", 3, 1, 1]]
    # Six decided steps, one late (A at 残联: due on the 调休 Saturday, decided on Monday).
    assert t["按时办结率"] == "83.3%"
    steps = {(r[0], r[1]): r[2:] for r in table(report, "timeliness").rows}
    assert steps[("正阳街道民政办", "苏木乡镇（街道）民政审核")] == [2, "100.0%", 0, 2]
    assert steps[("海拉尔区残疾人联合会", "旗县区残联认定审核")] == [2, "50.0%", 0, 2]
    assert steps[("海拉尔区民政局", "旗县区民政局审批")] == [2, "100.0%", 0, 1]
    assert table(report, "overdue").rows == [["正阳街道民政办", 1, 0]]
    assert t["当前超期"] == "1" and t["好评率"] == "100.0%"


def test_whole_months_and_loose_days_count_every_day_once(staff, seeded):
    """Whole months are read from the monthly figures, the days at either end from the daily
    ones: however a period is cut, each event counts once."""
    with at(date(2026, 10, 16)):

        def report(first, last):
            return build(staff["hailar"], {"date_from": first, "date_to": last})

        months_only = report(date(2026, 9, 1), date(2026, 10, 31))
        with_loose_days = report(date(2026, 8, 15), date(2026, 11, 20))
        days_only = report(date(2026, 9, 30), date(2026, 10, 12))
        day_and_month = report(date(2026, 9, 30), date(2026, 10, 31))
        # Counted up to the 16th: October so far is October's monthly row.
        this_month = report(date(2026, 10, 1), date(2026, 10, 16))
        this_month_by_days = report(date(2026, 10, 1), date(2026, 10, 15))
    assert with_loose_days.tiles == months_only.tiles
    assert [t.rows for t in with_loose_days.tables] == [t.rows for t in months_only.tables]
    # To 12 Oct: A's 民政局 approval on the 13th is not in yet.
    assert tiles(days_only)["申请"] == "3" and tiles(days_only)["按时办结率"] == "80.0%"
    assert [r[:3] for r in table(days_only, "timeliness").rows] == [
        ["正阳街道民政办", "苏木乡镇（街道）民政审核", 2],
        ["海拉尔区残疾人联合会", "旗县区残联认定审核", 2],
        ["海拉尔区民政局", "旗县区民政局审批", 1],
    ]
    assert tiles(day_and_month)["申请"] == "3" and tiles(day_and_month)["按时办结率"] == "83.3%"
    assert tiles(this_month)["申请"] == "1" and tiles(this_month)["按时办结率"] == "83.3%"
    assert [t.rows for t in this_month.tables] == [t.rows for t in this_month_by_days.tables]
    assert (
        StepMonth.objects.filter(day=date(2026, 10, 1)).aggregate(n=Sum("decided"))["n"]
        == StepDay.objects.filter(day__month=10).aggregate(n=Sum("decided"))["n"]
    )


def test_a_county_supervisor_sees_only_their_county(staff, seeded):
    period = {"date_from": date(2026, 9, 1), "date_to": date(2026, 10, 31)}
    with at(date(2026, 10, 16)):
        hailar = build(staff["hailar"], period)
        city = build(staff["city"], period)
        asked_for_other = build(staff["hailar"], {**period, "county": "150781"})
    assert [r[0] for r in table(hailar, "counties").rows] == ["海拉尔区"]
    assert [r[0] for r in table(city, "counties").rows] == ["海拉尔区", "满洲里市"]
    assert tiles(city)["申请"] == "4"
    assert tiles(asked_for_other)["申请"] == "0"


def test_the_page_exports_and_monthly_pdf(client, staff, seeded):
    client.force_login(staff["hailar"])
    query = "?date_from=2026-09-01&date_to=2026-10-31"
    with at(date(2026, 10, 16)):
        page = client.get("/reports/" + query)
        body = page.content.decode()
        assert page.status_code == 200 and 'role="img"' in body and "<desc" in body
        assert "满洲里" not in body
        exported = client.get("/reports/" + query + "&export=csv&table=trips")
        rows = list(csv.reader(io.StringIO(exported.content.decode("utf-8-sig"))))
        assert rows[0] == ["到现场次数", "件数", "占比"] and rows[3] == ["2 次及以上", "1", "50.0%"]
        book = load_workbook(io.BytesIO(client.get("/reports/" + query + "&export=xlsx").content))
        assert len(book.sheetnames) == 8  # one per table, the payments' last
        assert book.worksheets[-1]["A1"].value == "旗县（市、区）"
        assert book.worksheets[0]["E2"].value == 2  # 2026-09 total
        pdf = client.get("/reports/monthly.pdf?county=150702&month=2026-10")
        assert pdf.status_code == 200
        text = pdf_text(pdf.content)
        assert len(PdfReader(io.BytesIO(pdf.content)).pages) == 1
        assert "海拉尔区" in text and "2026年10月工作月报" in text
        assert client.get("/reports/monthly.pdf?county=150781&month=2026-10").status_code == 404
    client.force_login(staff["clerk"])
    assert client.get("/reports/").status_code == 403


def test_bad_filters_are_explained(client, staff):
    client.force_login(staff["city"])
    body = client.get("/reports/?date_from=2026-10-31&date_to=2026-10-01").content.decode()
    assert "结束日期不能早于开始日期" in body


def test_percentiles_are_nearest_rank_on_whole_days():
    assert percentile({}, 0.5) is None
    assert percentile({0: 1, 1: 1, 2: 1, 3: 1}, 0.5) == 1  # the 2nd of 4
    assert percentile({0: 1, 1: 1, 2: 1, 3: 1}, 0.9) == 3
    assert percentile({2: 1, 0: 9}, 0.9) == 0  # 9 of 10 took 0 days
    assert percentile({2: 1, 0: 9}, 0.95) == 2


def test_a_department_head_reads_the_reports_of_their_county_and_no_case_files(
    client, staff, seeded
):
    head = factories.staff("r_head", Role.DEPARTMENT_HEAD, "civil-150702")
    client.force_login(head)
    with at(date(2026, 10, 16)):
        body = client.get("/reports/?date_from=2026-09-01&date_to=2026-10-31").content.decode()
    assert "统计报表" in body and "海拉尔区" in body and "满洲里" not in body
    assert "人员查询" not in body and "待办" not in body.split("<main", 1)[0]
    assert client.get("/workbench/persons/").content.decode().count("阿拉坦") == 0
    assert client.get(f"/workbench/applications/{seeded['a'].pk}/").status_code == 404


def test_the_command_recounts_from_the_first_submission(staff, seeded):
    from django.core.management import call_command

    from onestop.reports.models import ApplicationDay

    ApplicationDay.objects.all().delete()
    out = io.StringIO()
    with at(date(2026, 10, 16)):
        call_command("rebuild_figures", stdout=out)
    assert "2026-09：已重算" in out.getvalue()
    assert ApplicationDay.objects.filter(day=date(2026, 9, 30)).exists()


def moment(day: date, hour: int, minute: int):
    return clock.frozen(datetime.combine(day, time(hour - 8, minute), tzinfo=UTC))


def test_the_figures_say_their_age_and_agree_right_after_a_delivery_and_a_bad_rating(
    client, staff, seeded
):
    """Right after a delivery and a 差评, every figure is still the last count's, and the page
    says when that was; the next count brings them in together."""
    day, period = (
        date(2026, 10, 16),
        {"date_from": date(2026, 10, 1), "date_to": date(2026, 10, 31)},
    )
    with moment(day, 9, 0):
        figures_rebuild(day_from=date(2026, 10, 1), day_to=day)
    c = seeded["c"]
    for who in ("township", "cdpf", "county"):
        decide(staff, c, who, day)
    with moment(day, 10, 30):
        handover = Handover.objects.get(application=c)
        delivery.handover_post(actor=staff["clerk"], handover=handover, tracking_no="EMS2")
        delivery.handover_track(actor=None, handover=handover, status="delivered")
        c.refresh_from_db()
        rating_submit(application=c, level=1, comment="等太久", phone="13904700000")

    def figures():
        report = build(staff["hailar"], period)
        window = next(r for r in table(report, "ratings").rows if r[0] == "海拉尔区残疾人联合会")
        return report.counted_label, tiles(report)["已送达"], window[1:5]

    with moment(day, 10, 40):
        assert figures() == ("09:00", "2", [1, "100.0%", 0, 0])
        client.force_login(staff["hailar"])
        assert "数据更新于 09:00" in client.get("/reports/").content.decode()
    with moment(day, 10, 45):
        figures_rebuild(day_from=date(2026, 10, 1), day_to=day)
        assert figures() == ("10:45", "3", [2, "50.0%", 1, 1])
    with moment(date(2026, 10, 17), 8, 0):
        assert figures()[0] == "2026年10月16日 10:45"


def test_a_supervisor_reading_mongolian_reads_the_report_and_files_the_chinese_record(
    client, staff, seeded
):
    """The page is Mongolian (titles, columns, tiles, charts' descriptions, matters and steps);
    the exports and the monthly PDF are records and stay Chinese."""
    from django.conf import settings

    from onestop.accounts.models import StaffUser
    from onestop.lang import catalog
    from tests.test_lang import _chinese_left, _staff_known

    StaffUser.objects.filter(pk=staff["hailar"].pk).update(language=catalog.MONGOLIAN)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = catalog.MONGOLIAN
    client.force_login(staff["hailar"])
    query = "?date_from=2026-09-01&date_to=2026-10-31"
    shipped = catalog.shipped()
    with at(date(2026, 10, 16)):
        body = client.get("/reports/" + query).content.decode()
        exported = client.get("/reports/" + query + "&export=csv&table=trips")
        pdf = client.get("/reports/monthly.pdf?county=150702&month=2026-10")
    assert '<html lang="mn-Mong">' in body
    for message in ("「最多跑一次」：已送达申请的到现场次数", "按时办结率", "困难残疾人生活补贴"):
        assert shipped[message].text in body, message
    assert not _chinese_left(body, *_staff_known()), _chinese_left(body, *_staff_known())
    assert '<th scope="row" lang="zh-Hans">海拉尔区</th>' in body  # a recorded name, marked
    rows = list(csv.reader(io.StringIO(exported.content.decode("utf-8-sig"))))
    assert rows[0] == ["到现场次数", "件数", "占比"]
    assert "2026年10月工作月报" in pdf_text(pdf.content)

"""The 差评 loop in Chromium: an overall 差评 naming 医保 reaches the 医保 unit, whose officer
answers it; the applicant finds the answer in the portal inbox and rates the rectification."""

import re
from datetime import date
from pathlib import Path

import pytest
from axe_playwright_python.sync_playwright import Axe

from onestop.accounts.roles import Role
from onestop.cases.acceptance import application_accept
from onestop.cases.chains import Outcome
from onestop.cases.intake import application_submit
from onestop.cases.models import Step
from onestop.cases.steps import Decision, step_decide
from onestop.notices.models import SmsMessage
from onestop.people.services import certificate_record
from onestop.ratings.models import Rating
from onestop.ratings.services import rating_submit
from tests import factories

from .conftest import csp_violations

pytestmark = pytest.mark.django_db(transaction=True)
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
WCAG = {"runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]}}
PHONE = "13904789901"


@pytest.fixture
def rated_badly(reference_data):
    """A concluded 养老保险代缴 whose applicant rates the whole application badly, naming 医保."""
    person = factories.person(
        "150702001", name="萨仁", birth=date(1975, 1, 1), phone=PHONE, dibao_category="urban"
    )
    certificate_record(
        actor=None, person=person, number=person.id_number + "41", issue_date=date(2024, 1, 5)
    )
    clerk = factories.staff("rl_clerk", Role.WINDOW_CLERK, "cdpf-150702")
    hrss = factories.staff("rl_hrss", Role.HRSS_OFFICER, "hrss-150702")
    app = application_submit(
        actor=clerk,
        channel="window",
        applicant=person,
        matters=["PENSION"],
        delivery="pickup",
        consent_given=True,
        sensitive_consent_given=True,
    )
    app = application_accept(actor=clerk, application=app)
    while step := Step.objects.filter(matter__application=app, status="active").first():
        step_decide(actor=hrss, step=step, decision=Decision(Outcome.APPROVE))
    app.refresh_from_db()
    return rating_submit(phone=PHONE, application=app, level=1, comment="医保报销让我跑了三趟")


def axe_clean(page, name):
    results = Axe().run(page, options=WCAG)
    assert results.violations_count == 0, f"{name}: {results.generate_report()}"


def test_the_named_unit_answers_and_the_applicant_rates_the_rectification(
    browser, live_server, rated_badly
):
    factories.staff("rl_med", Role.MEDICAL_OFFICER, "medical-150702")
    tracking_no = rated_badly.application.tracking_no
    context = browser.new_context(base_url=live_server.url, locale="zh-CN")
    officer = context.new_page()
    violations = csp_violations(officer)
    officer.goto("/accounts/login/")
    officer.fill("#id_username", "rl_med")
    officer.fill("#id_password", factories.PASSWORD)
    officer.click("button[type=submit]")
    officer.click("nav[aria-label=主导航] >> text=差评跟进")
    row = officer.locator("tr", has_text=tracking_no)
    assert "医保报销让我跑了三趟" in row.inner_text() and "意见提到本单位" in row.inner_text()
    axe_clean(officer, "rating list")
    row.get_by_role("link").click()
    officer.get_by_label("回复申请人的内容（核实情况和整改措施）").fill(
        "已核实，今后医保报销材料一次告知，窗口可以代收。"
    )
    officer.get_by_label("整改期限").fill("2026-12-31")
    officer.click("button:has-text('回复申请人')")
    assert "已回复申请人" in officer.locator("#messages").inner_text()
    assert officer.locator("#followup").inner_text() == "已回复申请人"
    officer.screenshot(path=str(ARTIFACTS / "rating-loop-answered.png"), full_page=True)
    context.close()

    context = browser.new_context(base_url=live_server.url, locale="zh-CN")
    applicant = context.new_page()
    violations += csp_violations(applicant)
    applicant.goto("/portal/")
    applicant.click("nav[aria-label=主导航] >> text=登录")
    applicant.get_by_label("手机号码").fill(PHONE)
    applicant.click("text=获取验证码")
    code = re.search(
        r"(\d{6})", SmsMessage.objects.filter(phone=PHONE).order_by("-pk").first().text
    ).group(1)
    applicant.get_by_label("短信验证码（6 位数字）").fill(code)
    applicant.click("button:has-text('登录')")
    applicant.click("nav[aria-label=主导航] >> text=消息")
    inbox = applicant.locator("ol.inbox li").first
    assert "已核实，今后医保报销材料一次告知，窗口可以代收。整改期限 2026年12月31日。" in (
        inbox.inner_text()
    )
    axe_clean(applicant, "inbox")
    applicant.screenshot(path=str(ARTIFACTS / "rating-loop-inbox.png"), full_page=True)
    inbox.get_by_role("link", name=re.compile("查看回复并评价整改")).click()
    reply = applicant.get_by_role("region", name="对您的非常不满意评价的回复")
    assert "窗口可以代收" in reply.inner_text() and "2026年12月31日" in reply.inner_text()
    reply.get_by_role("group", name="您对整改满意吗").get_by_label("满意", exact=True).check()
    reply.get_by_role("button", name="提交对整改的评价").click()
    assert "谢谢您对整改的评价" in applicant.locator("#messages").inner_text()
    assert "您对整改的评价：满意" in applicant.content()
    axe_clean(applicant, "application with the answer")
    context.close()
    assert Rating.objects.get(pk=rated_badly.pk).rectification_level == 4
    assert violations == []

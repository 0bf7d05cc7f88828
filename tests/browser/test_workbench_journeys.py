"""Staff journeys in Chromium, with and without JavaScript, and axe-core on the key pages."""

import re
from datetime import date
from pathlib import Path

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import expect

from onestop.accounts.roles import Role
from onestop.cases.models import Application, Matter
from onestop.demo.data import DEMO_PASSWORD, load_demo_accounts
from onestop.people.services import certificate_record
from tests import factories

from .conftest import csp_violations

pytestmark = pytest.mark.django_db(transaction=True)
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
WCAG = {"runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]}}


@pytest.fixture
def demo(reference_data):
    load_demo_accounts()
    person = factories.person(
        "150702001", name="斯琴", birth=date(1970, 1, 1), dibao_category="urban"
    )
    certificate_record(
        actor=None, person=person, number=person.id_number + "41", issue_date=date(2024, 5, 1)
    )
    return person


@pytest.fixture(params=[True, False], ids=["js", "nojs"])
def js(request):
    return request.param


def open_as(browser, live_server, username, js=True):
    context = browser.new_context(base_url=live_server.url, locale="zh-CN", java_script_enabled=js)
    page = context.new_page()
    page.set_default_timeout(15_000)
    page.goto("/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", DEMO_PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url("**/workbench/")
    return page


def decide(page, tracking_no, matter_label, outcome="通过", **fields):
    page.click("nav[aria-label=主导航] >> text=待办")
    page.locator("tr", has_text=matter_label).filter(has_text=tracking_no).get_by_role(
        "link"
    ).first.click()
    page.get_by_label(outcome, exact=True).check()
    if "missing" in fields:
        page.get_by_label("需要补正的材料（每行一项）").fill(fields["missing"])
    page.click("text=下一步：确认")
    assert outcome in page.locator("#confirm-outcome").inner_text()
    page.click("text=确认提交")


def axe_clean(page, name):
    results = Axe().run(page, options=WCAG)
    assert results.violations_count == 0, f"{name}: {results.generate_report()}"


def test_window_to_approval_journey(browser, live_server, demo, js):
    clerk = open_as(browser, live_server, "hlr_window", js)
    violations = csp_violations(clerk)
    clerk.click("nav[aria-label=主导航] >> text=窗口受理")
    clerk.fill("#id_id_number", demo.id_number)
    clerk.click("text=下一步")
    assert "一表申请：斯琴" in clerk.locator("h1").inner_text()
    if js:
        axe_clean(clerk, "intake form")
    for label in (
        "残疾人证新办",
        "困难残疾人生活补贴",
        "重度残疾人护理补贴",
        "困难群众医疗救助手工（零星）报销",
        "城乡居民基本养老保险保费代缴",
    ):
        clerk.get_by_role("checkbox", name=label).check()  # the name adds the 预审 badge
    clerk.get_by_label("近期一寸免冠彩色照片：原件已核验").check()
    clerk.get_by_label("窗口自取").check()
    clerk.locator("#id_consent_share").check()
    clerk.locator("#id_consent_sensitive").check()
    clerk.click("text=提交并受理")
    tracking_no = clerk.locator("#tracking-no").inner_text()
    assert re.fullmatch(r"\d{6}-[0-9A-Z]{4}-[0-9A-Z]{4}", tracking_no)
    # The print button is bound by the site's script (no inline handler); without it, a hint.
    assert clerk.get_by_role("button", name="打印回执").is_visible() == js
    assert clerk.get_by_text("请使用浏览器的“打印”功能").is_visible() != js
    if js:
        ARTIFACTS.mkdir(exist_ok=True)
        clerk.emulate_media(media="print")
        assert not clerk.locator(
            ".site-header"
        ).is_visible()  # the printed receipt is the receipt only
        clerk.pdf(path=str(ARTIFACTS / "receipt.pdf"))

    for username in ("zy_civil", "hlr_cdpf", "hlr_civil"):
        officer = open_as(browser, live_server, username, js)
        if js and username == "zy_civil":
            officer.click("nav[aria-label=主导航] >> text=待办")
            axe_clean(officer, "queue")
            officer.locator("tr", has_text="困难残疾人生活补贴").get_by_role("link").first.click()
            axe_clean(officer, "matter page")
        decide(officer, tracking_no, "困难残疾人生活补贴")
        assert "已办理" in officer.locator("#messages").inner_text()
        officer.context.close()
    living = Matter.objects.get(application__tracking_no=tracking_no, kind="LIVING")
    assert living.status == "approved"

    # A return for supplement shows up at the window.
    township = open_as(browser, live_server, "zy_civil", js)
    decide(township, tracking_no, "重度残疾人护理补贴", outcome="退回补正", missing="长期照护证明")
    clerk.emulate_media(media="screen")
    clerk.click("nav[aria-label=主导航] >> text=窗口待办")
    row = clerk.locator("tr", has_text=tracking_no)
    assert "重度残疾人护理补贴" in row.inner_text()
    row.get_by_role("link").click()
    expect(clerk.locator("main")).to_contain_text("长期照护证明")
    assert violations == []


def test_a_second_officer_gets_a_clear_message(browser, live_server, demo, js):
    factories.staff(
        "hlr_cdpf2", Role.CDPF_REVIEWER, "cdpf-150702", password=DEMO_PASSWORD, name="李娜"
    )
    app = _application(demo, ["CERT"])
    first = open_as(browser, live_server, "hlr_cdpf", js)
    second = open_as(browser, live_server, "hlr_cdpf2", js)
    matter = app.matters.get()
    for page in (first, second):
        page.goto(f"/workbench/matters/{matter.pk}/")
        page.get_by_label("通过", exact=True).check()
        page.click("text=下一步：确认")
    first.click("text=确认提交")
    second.click("text=确认提交")
    assert "该环节已由他人办理或已变化" in second.locator("#messages").inner_text()


def test_a_manzhouli_officer_never_sees_hailar_work(browser, live_server, demo, js):
    app = _application(demo, ["LIVING", "PENSION"])
    page = open_as(browser, live_server, "mzl_civil", js)
    page.goto("/workbench/queue/")
    assert app.tracking_no not in page.content()
    for url in (
        f"/workbench/applications/{app.pk}/",
        f"/workbench/matters/{app.matters.first().pk}/",
        f"/workbench/applications/{app.pk}/receipt/",
    ):
        response = page.goto(url)
        assert response.status in (403, 404)
        assert demo.name not in page.content() and app.tracking_no not in page.content()


def _application(person, matters) -> Application:
    from onestop.accounts.models import StaffUser
    from onestop.cases.acceptance import application_accept
    from onestop.cases.intake import application_submit

    clerk = StaffUser.objects.get(username="hlr_window")
    app = application_submit(
        actor=clerk,
        channel="window",
        applicant=person,
        matters=matters,
        delivery="pickup",
        consent_given=True,
        sensitive_consent_given=True,
    )
    return application_accept(actor=clerk, application=app)


def test_reports_and_document_verification_are_accessible(browser, live_server, demo, js):
    from onestop.accounts.models import StaffUser
    from onestop.cases.acceptance import application_accept
    from onestop.cases.intake import application_submit
    from onestop.core import clock
    from onestop.documents.models import DocumentKind
    from onestop.documents.services import document_issue
    from onestop.reports.services import figures_rebuild

    clerk = StaffUser.objects.get(username="hlr_window")
    app = application_submit(
        actor=clerk,
        channel="window",
        applicant=demo,
        matters=["LIVING"],
        delivery="pickup",
        consent_given=True,
        sensitive_consent_given=True,
    )
    app = application_accept(actor=clerk, application=app)
    figures_rebuild(day_from=clock.today(), day_to=clock.today())
    receipt = document_issue(actor=clerk, kind=DocumentKind.RECEIPT, application=app)

    supervisor = open_as(browser, live_server, "hlbe_supervisor", js)
    supervisor.click("nav[aria-label=主导航] >> text=统计报表")
    supervisor.wait_for_url("**/reports/")
    assert supervisor.title().startswith("统计报表")
    assert re.search(r"数据更新于 .*\d\d:\d\d", supervisor.locator("#counted-at").inner_text())
    chart = supervisor.locator("#counties-h + svg[role=img]")
    assert "海拉尔区：1件" in chart.locator("desc").text_content()
    supervisor.get_by_label("渠道", exact=True).select_option("online")
    supervisor.click("button:has-text('查看')")
    expect(supervisor.locator("main")).to_contain_text("所选期间和范围内没有数据")
    assert "channel=online" in supervisor.url  # filters live in the URL
    if js:  # axe-core runs as JavaScript in the page
        supervisor.go_back()
        axe_clean(supervisor, "report page with charts")

    public = browser.new_context(base_url=live_server.url, locale="zh-CN", java_script_enabled=js)
    verify = public.new_page()
    verify.goto("/v/")
    verify.get_by_label("验证码").fill(receipt.code.lower())
    verify.click("button:has-text('核验')")
    expect(verify.locator("main")).to_contain_text("文书真实有效")
    assert app.tracking_no in verify.content()
    if js:
        axe_clean(verify, "verification page")
    public.close()


def test_the_admin_works_under_the_content_security_policy(browser, live_server, demo):
    admin = open_as(browser, live_server, "hlbe_admin")
    violations = csp_violations(admin)
    admin.goto("/admin/")
    admin.goto("/admin/accounts/staffuser/")
    main = admin.locator("#main")
    shifted = "shifted" in (main.get_attribute("class") or "")
    admin.click("#toggle-nav-sidebar")  # the admin's own script folds the sidebar
    assert ("shifted" in (main.get_attribute("class") or "")) != shifted
    admin.goto("/admin/cases/chainversion/add/")
    assert admin.locator("#id_definition").is_visible()
    assert violations == []

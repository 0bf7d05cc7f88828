"""The applicant's journeys in Chromium: with JavaScript, without it, and in 长辈版."""

import re
from datetime import date, timedelta

import pytest
from axe_playwright_python.sync_playwright import Axe

from onestop.accounts.roles import Role
from onestop.cases.acceptance import application_accept
from onestop.cases.chains import Outcome
from onestop.cases.consent import CURRENT_VERSION, TEXTS
from onestop.cases.models import Application, Step
from onestop.cases.steps import Decision, step_decide
from onestop.core import clock
from onestop.notices.models import SmsMessage
from onestop.notices.services import certificate_expiry_remind
from onestop.people.services import certificate_record
from onestop.ratings.models import Rating
from onestop.ratings.services import rating_answer
from tests import factories

pytestmark = pytest.mark.django_db(transaction=True)
WCAG = {"runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]}}
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


@pytest.fixture(params=["js", "nojs", "elder"])
def mode(request):
    return request.param


def new_page(browser, live_server, mode, width=1000):
    context = browser.new_context(
        base_url=live_server.url,
        locale="zh-CN",
        java_script_enabled=mode != "nojs",
        viewport={"width": width, "height": 900},
    )
    page = context.new_page()
    page.set_default_timeout(15_000)
    page.goto("/portal/")
    if mode == "elder":
        page.click("text=长辈版（大字）")
        assert "elder" in page.locator("body").get_attribute("class")
    return page


def check_page(page, mode, seen: set):
    """axe-core on each new page (JavaScript modes), and no sideways scrolling at any width."""
    key = re.sub(r"\d+", "N", page.url.split("?")[0])
    if mode != "nojs" and key not in seen:
        seen.add(key)
        results = Axe().run(page, options=WCAG)
        assert results.violations_count == 0, f"{page.url}: {results.generate_report()}"


def sign_in(page, phone):
    page.click("nav[aria-label=主导航] >> text=登录")
    page.get_by_label("手机号码").fill(phone)
    page.click("text=获取验证码")
    code = re.search(
        r"(\d{6})", SmsMessage.objects.filter(phone=phone).order_by("-pk").first().text
    ).group(1)
    page.get_by_label("短信验证码（6 位数字）").fill(code)
    page.click("button:has-text('登录')")
    page.wait_for_url("**/portal/me/")


def test_guardian_applies_follows_supplies_and_rates(
    browser, live_server, ward, phone, mode, tmp_path
):
    page = new_page(browser, live_server, mode)
    seen: set = set()
    check_page(page, mode, seen)

    # 一次告知 before signing in.
    page.click("text=先查一查")
    page.get_by_label("户口在哪个旗县（市、区）").select_option("150702")
    page.get_by_label("出生日期").fill("1990-04-04")
    page.get_by_label("有", exact=True).check()
    page.get_by_label("残疾类别（有证的填）").select_option("5")
    page.get_by_label("残疾等级（有证的填）").select_option("2")
    page.get_by_label("是，城镇低保").check()
    for legend in (
        "是不是特困供养人员",
        "有没有参加职工养老保险（单位上班交的）",
        "是不是在校学生",
    ):
        page.get_by_role("group", name=legend).get_by_label("不是").check()
    for legend in ("是不是需要别人长期照顾（半年以上）", "有没有参加城乡居民医疗保险"):
        page.get_by_role("group", name=legend).get_by_label("是", exact=True).check()
    page.click("button:has-text('查一查')")
    assert "重度残疾人护理补贴：可以申请" in page.locator(
        "#result-h + div, .result"
    ).first.inner_text().replace("\n", "")
    check_page(page, mode, seen)

    sign_in(page, phone)
    check_page(page, mode, seen)
    page.click("text=为巴图申请")
    for label in ("困难残疾人生活补贴", "重度残疾人护理补贴", "城乡居民基本养老保险保费代缴"):
        page.get_by_role("checkbox", name=label).check()  # the name adds the 预审 badge
    for label in ("残疾人证新办", "困难群众医疗救助手工（零星）报销"):
        assert not page.get_by_role("checkbox", name=label).is_checked()
    check_page(page, mode, seen)
    page.click("button:has-text('下一步')")
    photo = tmp_path / "photo.png"
    photo.write_bytes(PNG)
    page.get_by_label("近期一寸免冠彩色照片（拍照上传）").set_input_files(str(photo))
    check_page(page, mode, seen)
    page.click("button:has-text('下一步')")
    page.get_by_label("邮政寄送").check()
    page.get_by_label("邮寄地址（选邮寄时填）").fill("正阳街道8号")
    check_page(page, mode, seen)
    page.click("button:has-text('下一步')")
    page.locator("#id_consent_share").check()
    page.locator("#id_consent_sensitive").check()
    check_page(page, mode, seen)
    page.click("button:has-text('提交申请')")
    tracking_no = page.locator("#tracking-no").inner_text()
    assert "窗口受理后开始计时" in page.locator("#countdown").inner_text()
    check_page(page, mode, seen)

    # The departments work; the township asks for one more document for the living subsidy.
    app = Application.objects.get(tracking_no=tracking_no)
    clerk = factories.staff("bp_clerk", Role.WINDOW_CLERK, "cdpf-150702")
    application_accept(actor=clerk, application=app)
    township = factories.staff("bp_town", Role.TOWNSHIP_CIVIL, "civil-150702001")
    living = Step.objects.get(matter__application=app, matter__kind="LIVING", status="active")
    step_decide(
        actor=township,
        step=living,
        decision=Decision(Outcome.RETURN, missing_materials=("低保证明",)),
    )
    page.reload()
    assert "需要补交：低保证明" in page.content()
    page.get_by_label("补交的材料（拍照上传）").set_input_files(str(photo))
    page.click("button:has-text('补交材料')")
    assert "材料已补交" in page.locator("#messages").inner_text()

    officers = {
        "township_civil": township,
        "cdpf_reviewer": factories.staff("bp_cdpf", Role.CDPF_REVIEWER, "cdpf-150702"),
        "county_civil": factories.staff("bp_county", Role.COUNTY_CIVIL, "civil-150702"),
        "hrss_officer": factories.staff("bp_hrss", Role.HRSS_OFFICER, "hrss-150702"),
    }
    while (
        step := Step.objects.filter(matter__application=app, status="active").first()
    ) is not None:
        step_decide(actor=officers[step.role], step=step, decision=Decision(Outcome.APPROVE))
    page.reload()
    assert page.locator("#app-status").inner_text() == "已办结，待送达"
    assert "已批准" in page.content() and "金额 100.00 元/月" in page.content()

    # Rate the whole application badly, and one matter well; then see the answer.
    page.get_by_role("group", name="这件事办得您满意吗").first.get_by_label("非常满意").check()
    page.locator("form.rating").first.locator("button").click()
    overall = page.get_by_role("region", name="给这次办事打个分")
    overall.get_by_label("不满意", exact=True).check()
    overall.get_by_label("想说的话（可以不写）").fill("材料要得太多")
    overall.get_by_role("button", name="提交评价").click()
    assert "我们会尽快联系您并整改" in page.locator("#messages").inner_text()
    bad = Rating.objects.get(application=app, matter__isnull=True)
    supervisor = factories.staff("bp_sup", Role.SUPERVISOR, "gov-150700")
    rating_answer(
        actor=supervisor,
        rating=bad,
        answer="已回访，以后低保证明由平台共享获取。",
        rectify_by=date(2026, 12, 31),
    )
    page.reload()
    assert "已回访，以后低保证明由平台共享获取" in page.content()
    check_page(page, mode, seen)
    page.get_by_role("group", name="您对整改满意吗").get_by_label("满意", exact=True).check()
    page.click("button:has-text('提交') >> nth=-1")
    assert Rating.objects.get(pk=bad.pk).rectification_level == 4


def test_keyboard_only_sign_in(browser, live_server, ward, phone):
    page = new_page(browser, live_server, "js")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent") == "跳到主要内容"
    # Reach 登录 in the main navigation with Tab alone, and follow it with Enter.
    for _ in range(10):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.textContent") == "登录":
            break
    page.keyboard.press("Enter")
    page.wait_for_url("**/portal/sign-in/")
    page.keyboard.press("Tab")
    while page.evaluate("document.activeElement.id") != "id_phone":
        page.keyboard.press("Tab")
    page.keyboard.type(phone)
    page.keyboard.press("Enter")
    page.wait_for_url("**/portal/sign-in/code/")
    code = re.search(r"(\d{6})", SmsMessage.objects.get(phone=phone).text).group(1)
    while page.evaluate("document.activeElement.id") != "id_code":
        page.keyboard.press("Tab")
    page.keyboard.type(code)
    page.keyboard.press("Enter")
    page.wait_for_url("**/portal/me/")
    # Every control on the page is reachable by Tab, with a visible focus indicator.
    controls = page.locator("a[href], button, input:not([type=hidden]), select, textarea").count()
    reached = set()
    for _ in range(controls + 5):
        page.keyboard.press("Tab")
        info = page.evaluate(
            "(() => { const e = document.activeElement; const s = getComputedStyle(e);"
            " return [e.outerHTML.slice(0, 80), s.outlineStyle !== 'none' || s.boxShadow !== 'none',"
            " e === document.body]; })()"
        )
        if info[2]:  # past the last control: focus has left the page
            continue
        reached.add(info[0])
        assert info[1], f"no visible focus on {info[0]}"
    assert len(reached) >= controls


def tab_to(page, name: str, limit: int = 80) -> None:
    """Press Tab until the focus is on the control whose accessible text starts with ``name``."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        focused = page.evaluate(
            "() => { const e = document.activeElement; const l = e.labels && e.labels[0];"
            " return ((l && l.textContent) || e.textContent || e.value || '').trim(); }"
        )
        if focused.startswith(name):
            return
    raise AssertionError(f"no control named {name!r} reached by Tab")


def follow(page, name: str) -> None:
    """Tab to a link or button and press Enter on it, waiting for the page it leads to."""
    tab_to(page, name)
    with page.expect_navigation():
        page.keyboard.press("Enter")


def test_a_holder_applies_for_换证_from_the_reminder_by_keyboard(
    live_clock, browser, live_server, reference_data, phone, mode
):
    today = clock.today()  # the card expires in 45 days
    holder = factories.person(
        "150702001", name="乌兰", birth=date(1972, 7, 7), phone=phone, address="正阳街道9号"
    )
    old = certificate_record(
        actor=None,
        person=holder,
        number=holder.id_number + "41",
        issue_date=today - timedelta(days=3600),
        valid_until=today + timedelta(days=45),
    )
    assert certificate_expiry_remind(today=today) == 1
    page = new_page(browser, live_server, mode)
    seen: set = set()
    follow(page, "登录")
    tab_to(page, "手机号码")
    page.keyboard.type(phone)
    with page.expect_navigation():
        page.keyboard.press("Enter")
    sent = SmsMessage.objects.filter(phone=phone, purpose="sign_in").get().text
    code = re.search(r"(\d{6})", sent).group(1)
    tab_to(page, "短信验证码")
    page.keyboard.type(code)
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert "残疾人证需要换证" in page.locator("main").inner_text()
    check_page(page, mode, seen)

    # From the reminder in the inbox to the one form, 残疾人证换领 already ticked.
    follow(page, "消息")
    assert "残疾人证将于" in page.locator("main").inner_text()
    check_page(page, mode, seen)
    follow(page, "为乌兰申请换证")
    renewal = page.get_by_role("checkbox", name="残疾人证换领")
    assert renewal.is_checked() and old.number_masked in page.locator("#renewal").inner_text()
    check_page(page, mode, seen)
    follow(page, "下一步")  # 说明和材料
    follow(page, "下一步")  # 送达和联系: by post to the address on record, filled in
    assert page.get_by_label("邮寄地址（选邮寄时填）").input_value() == "正阳街道9号"
    follow(page, "下一步")  # 确认提交
    assert "残疾人证换领" in page.locator("dl.facts").inner_text()
    check_page(page, mode, seen)
    tab_to(page, TEXTS[CURRENT_VERSION]["share"][:8])
    page.keyboard.press("Space")
    tab_to(page, TEXTS[CURRENT_VERSION]["sensitive"][:8])
    page.keyboard.press("Space")
    follow(page, "提交申请")

    tracking_no = page.locator("#tracking-no").inner_text()
    app = Application.objects.get(tracking_no=tracking_no)
    assert app.matters.get().renews == old
    assert (app.delivery, app.delivery_address) == ("post", "正阳街道9号")
    assert "残疾人证换领" in page.locator("main").inner_text()
    check_page(page, mode, seen)
    page.context.close()

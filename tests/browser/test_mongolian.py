"""Pages in traditional Mongolian, in Chromium: chosen with the switch (no JavaScript needed),
laid out vertically in the platform's own font, fitting a phone and a desktop, accessible.

With ONESTOP_SCREENSHOTS=1 the pages are photographed into test-artifacts/."""

import io
import os
import re
from datetime import date

import pytest
from axe_playwright_python.sync_playwright import Axe
from pypdf import PdfReader

from onestop.accounts.roles import Role
from onestop.cases.acceptance import application_accept
from onestop.cases.chains import Outcome
from onestop.cases.consent import CURRENT_VERSION, TEXTS
from onestop.cases.intake import application_submit
from onestop.cases.models import Application, Step
from onestop.cases.steps import Decision, step_decide
from onestop.lang import catalog
from onestop.lang.catalog import MONGOLIAN
from onestop.notices.models import SmsMessage
from onestop.people.models import Person
from onestop.ratings.models import Rating
from tests import factories

from .test_layout import ARTIFACTS, WCAG
from .test_portal_journeys import PNG, follow, tab_to

pytestmark = pytest.mark.django_db(transaction=True)
FONT = "/static/fonts/noto-sans-mongolian.woff2"
MONGOLIAN_TEXT = re.compile("[\u1820-\u18af]")
CYRILLIC = re.compile("[\u0400-\u04ff]")

# Elements holding Mongolian text whose content is larger than their box, and the page's own
# scrolling: a vertical page scrolls sideways, never downwards. Left out: text a screen reader
# alone reads (inside a box clipped to a pixel, such as a stacked table's headings) and a
# chart's SVG text, which has no box of its own to overflow.
OVERFLOWING = """() => {
  const mongolian = /[\\u1800-\\u18af]/;
  const unseen = el => {
    for (let a = el; a; a = a.parentElement) {
      const box = a.getBoundingClientRect();
      if ((box.width <= 1 || box.height <= 1) && getComputedStyle(a).overflow === "hidden") {
        return true;
      }
    }
    return el.closest("svg") !== null;
  };
  const stuck = [];
  for (const el of document.querySelectorAll("body *")) {
    const own = [...el.childNodes].some(n => n.nodeType === 3 && mongolian.test(n.textContent));
    if (own && !unseen(el)
        && (el.scrollWidth > el.clientWidth + 1 || el.scrollHeight > el.clientHeight + 1)
        && getComputedStyle(el).display !== "inline") {
      stuck.push(el.tagName + "." + el.className);
    }
  }
  const root = document.documentElement;
  if (root.scrollHeight > innerHeight + 1) stuck.push("page scrolls downwards");
  return stuck;
}"""


@pytest.mark.parametrize("width", [320, 1280])
def test_a_mongolian_page_is_chosen_without_javascript_and_reads_vertically(
    browser, live_server, width
):
    context = browser.new_context(
        base_url=live_server.url,
        locale="zh-CN",
        java_script_enabled=False,
        viewport={"width": width, "height": 800},
    )
    page = context.new_page()
    fonts = []
    page.on("response", lambda r: fonts.append(r.status) if r.url.endswith(FONT) else None)
    page.goto("/portal/")
    page.get_by_role("button", name="ᠮᠣᠩᠭᠣᠯ 蒙古文").click()
    page.wait_for_load_state("networkidle")
    assert page.locator("html").get_attribute("lang") == "mn-Mong"
    assert page.get_by_role("button", name="中文 ᠬᠢᠲᠠᠳ").is_visible()
    assert fonts and set(fonts) == {200}  # the platform serves the font itself

    tagline = page.locator(".site-tagline").bounding_box()
    assert tagline["height"] > tagline["width"]  # a column read top to bottom
    assert page.locator(".site-tagline").evaluate("e => getComputedStyle(e).writingMode") == (
        "vertical-lr"
    )
    assert page.evaluate(OVERFLOWING) == []
    if os.environ.get("ONESTOP_SCREENSHOTS") == "1":
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / f"mongolian-portal-home-{width}.png"))

    page.get_by_role("button", name="中文 ᠬᠢᠲᠠᠳ").click()
    assert page.locator("html").get_attribute("lang") == "zh-Hans"
    context.close()


MONGOLIAN_PAGES = {
    "portal-home": "/portal/",
    "check": "/portal/check/",
    "sign-in": "/portal/sign-in/",
    "lookup": "/portal/lookup/",
}


@pytest.mark.parametrize("elder", [False, True], ids=["standard", "elder"])
@pytest.mark.parametrize("width", [320, 1280])
def test_the_mongolian_pages_pass_axe_and_fit(browser, live_server, width, elder):
    """In the standard and the 长辈版 (large type) alike."""
    context = browser.new_context(
        base_url=live_server.url, viewport={"width": width, "height": 800}
    )
    cookies = {"django_language": "mn-mong", **({"onestop_elder": "1"} if elder else {})}
    context.add_cookies(
        [{"name": k, "value": v, "url": live_server.url} for k, v in cookies.items()]
    )
    page = context.new_page()
    for name, path in MONGOLIAN_PAGES.items():
        page.goto(path)
        page.evaluate("document.fonts.ready")
        assert page.evaluate("document.fonts.check('20px \"Noto Sans Mongolian\"', 'ᠮᠣᠩᠭᠣᠯ')")
        size = page.evaluate("parseFloat(getComputedStyle(document.body).fontSize)")
        assert size >= 26 if elder else size == 20, (path, size)  # 长辈版 is larger type
        assert page.evaluate(OVERFLOWING) == [], path
        results = Axe().run(page, options=WCAG)
        assert results.violations_count == 0, (path, results.generate_report())
        if os.environ.get("ONESTOP_SCREENSHOTS") == "1":
            kind = "-elder" if elder else ""
            page.screenshot(path=str(ARTIFACTS / f"mongolian-{name}{kind}-{width}.png"))
    context.close()


def mn(msgid: str, **values: object) -> str:
    """What a Mongolian reader sees for a message of the catalog (values filled in)."""
    text = catalog.shipped()[msgid].text
    for name, value in values.items():
        text = text.replace(f"%({name})s", str(value))
    return text


def choose(page, first: str, wanted: str) -> None:
    """Keyboard only: Tab into a radio group (on its first choice) and move to ``wanted`` with
    the arrow keys (or Space when it is the first)."""
    tab_to(page, first)
    if first == wanted:
        page.keyboard.press("Space")
        return
    for _ in range(8):
        page.keyboard.press("ArrowDown")
        if page.evaluate("document.activeElement.labels[0].textContent.trim()") == wanted:
            return
    raise AssertionError(f"no choice {wanted!r}")


def pick(page, label: str, value: str) -> None:
    """Keyboard only: Tab to a list and move down it until ``value`` is selected."""
    tab_to(page, label)
    for _ in range(300):
        if page.evaluate("document.activeElement.value") == value:
            return
        page.keyboard.press("ArrowDown")
    raise AssertionError(f"no option {value!r} in {label!r}")


@pytest.mark.parametrize("mode", ["js", "nojs"])
def test_a_mongolian_reader_checks_applies_supplies_and_rates_by_keyboard(
    live_clock, browser, live_server, ward, phone, mode, tmp_path
):
    """The whole journey in mn-Mong with the keyboard alone, with and without JavaScript: the
    check, all five matters in one application, a supplement, the results and a rating; every
    page Mongolian, vertical, fitting, and (with JavaScript) passing axe."""
    Person.objects.filter(pk=ward.pk).update(language=MONGOLIAN)  # as the window recorded it
    context = browser.new_context(
        base_url=live_server.url,
        locale="zh-CN",
        java_script_enabled=mode == "js",
        viewport={"width": 1280, "height": 800},
    )
    context.add_cookies([{"name": "django_language", "value": "mn-mong", "url": live_server.url}])
    page = context.new_page()
    page.set_default_timeout(15_000)
    shots = os.environ.get("ONESTOP_SCREENSHOTS") == "1"

    def looked_at(name: str) -> None:
        assert page.locator("html").get_attribute("lang") == "mn-Mong"
        main = page.locator("main").inner_text()
        assert MONGOLIAN_TEXT.search(main) and not CYRILLIC.search(main), name
        assert page.evaluate(OVERFLOWING) == [], name
        if mode == "js":
            results = Axe().run(page, options=WCAG)
            assert results.violations_count == 0, (name, results.generate_report())
        if shots:
            page.screenshot(path=str(ARTIFACTS / f"mongolian-journey-{name}-{mode}.png"))

    page.goto("/portal/")
    follow(page, mn("先查一查"))
    pick(page, mn("户口在哪个旗县（市、区）"), "150702")
    tab_to(page, mn("出生日期"))
    page.keyboard.type("19900404")
    choose(page, mn("有"), mn("有"))
    pick(page, mn("残疾类别（有证的填）"), "5")
    pick(page, mn("残疾等级（有证的填）"), "2")
    choose(page, mn("是，城镇低保"), mn("是，城镇低保"))
    for wanted in ("不是", "是", "是", "不是", "不是"):  # 特困, care, medical, pension, student
        choose(page, mn("是"), mn(wanted))
    follow(page, mn("查一查"))
    result = page.locator(".result").inner_text()
    assert mn("重度残疾人护理补贴") in result and mn("可以申请") in result
    looked_at("check")

    follow(page, mn("登录"))
    tab_to(page, mn("手机号码"))
    page.keyboard.type(phone)
    with page.expect_navigation():
        page.keyboard.press("Enter")
    code = re.search(r"(\d{6})", SmsMessage.objects.get(phone=phone).text).group(1)
    tab_to(page, mn("短信验证码（6 位数字）"))
    page.keyboard.type(code)
    with page.expect_navigation():
        page.keyboard.press("Enter")
    looked_at("me")

    follow(page, mn("为%(name)s申请", name="巴图"))
    tab_to(page, mn("残疾人证新办"))
    for _ in range(5):  # all five matters, one box after another
        page.keyboard.press("Space")
        page.keyboard.press("Tab")
    looked_at("matters")
    follow(page, mn("下一步"))
    photo = tmp_path / "photo.png"
    photo.write_bytes(PNG)
    page.locator("#id_file_photo").set_input_files(str(photo))  # the system's file dialog
    looked_at("details")
    follow(page, mn("下一步"))
    tab_to(page, mn("邮寄地址（选邮寄时填）"))
    page.keyboard.type("正阳街道8号")
    follow(page, mn("下一步"))
    for text in TEXTS[CURRENT_VERSION].values():
        tab_to(page, mn(text)[:12])
        page.keyboard.press("Space")
    looked_at("confirm")
    follow(page, mn("提交申请"))
    app = Application.objects.get(tracking_no=page.locator("#tracking-no").inner_text())
    assert app.matters.count() == 5 and app.applicant == ward
    looked_at("submitted")

    # The departments work: the township asks for one more document for the living subsidy.
    application_accept(
        actor=factories.staff("mb_clerk", Role.WINDOW_CLERK, "cdpf-150702"), application=app
    )
    township = factories.staff("mb_town", Role.TOWNSHIP_CIVIL, "civil-150702001")
    step_decide(
        actor=township,
        step=Step.objects.get(matter__application=app, matter__kind="LIVING", status="active"),
        decision=Decision(
            Outcome.RETURN, missing_materials=("低保、低保边缘或低收入家庭认定材料",)
        ),
    )
    page.reload()
    looked_at("supplement")
    page.locator("input[type=file]").set_input_files(str(photo))
    follow(page, mn("补交材料"))
    assert mn("材料已补交，办理接着计时。") in page.locator("#messages").inner_text()

    officers = {
        "township_civil": township,
        "cdpf_reviewer": factories.staff("mb_cdpf", Role.CDPF_REVIEWER, "cdpf-150702"),
        "county_civil": factories.staff("mb_county", Role.COUNTY_CIVIL, "civil-150702"),
        "hrss_officer": factories.staff("mb_hrss", Role.HRSS_OFFICER, "hrss-150702"),
        "medical_officer": factories.staff("mb_med", Role.MEDICAL_OFFICER, "medical-150702"),
    }
    while step := Step.objects.filter(matter__application=app, status="active").first():
        # Already a holder, and no bills: the card and the reimbursement are refused.
        refused = step.matter.kind in ("CERT", "MEDICAL")
        decision = Decision(Outcome.REJECT, reason="不符合条件") if refused else None
        step_decide(
            actor=officers[step.role], step=step, decision=decision or Decision(Outcome.APPROVE)
        )
    page.reload()
    assert page.locator("#app-status").inner_text() == mn("已办结，待送达")
    looked_at("decided")

    choose(page, mn("非常满意"), mn("非常满意"))
    follow(page, mn("提交评价"))
    assert mn("谢谢您的评价。") in page.locator("#messages").inner_text()
    assert Rating.objects.filter(application=app, level=5).count() == 1
    follow(page, mn("消息"))
    looked_at("inbox")
    context.close()


def test_a_mongolian_reading_clerk_registers_a_walk_in_and_prints_the_bilingual_receipt(
    live_clock, browser, live_server
):
    """The window in Mongolian: the clerk's pages pass axe and fit; the walk-in's reading
    language gives the receipt its Mongolian page."""
    clerk = factories.staff("mb_window", Role.WINDOW_CLERK, "cdpf-150702", name="乌云")
    type(clerk).objects.filter(pk=clerk.pk).update(language=MONGOLIAN)
    context = browser.new_context(base_url=live_server.url, viewport={"width": 1280, "height": 800})
    page = context.new_page()
    page.set_default_timeout(15_000)
    shots = os.environ.get("ONESTOP_SCREENSHOTS") == "1"

    def looked_at(name: str) -> None:
        assert page.locator("html").get_attribute("lang") == "mn-Mong"
        results = Axe().run(page, options=WCAG)
        assert results.violations_count == 0, (name, results.generate_report())
        if shots:
            page.screenshot(path=str(ARTIFACTS / f"mongolian-window-{name}.png"))

    page.goto("/accounts/login/")
    page.locator("#id_username").fill("mb_window")
    page.locator("#id_password").fill(factories.PASSWORD)
    page.locator("button[type=submit]").click()
    page.wait_for_url("**/workbench/")
    looked_at("home")  # the language chosen earlier came back with the login

    page.get_by_role("link", name=mn("窗口受理")).first.click()
    walk_in = factories.id_number(birth=date(1961, 3, 3))
    page.get_by_label(mn("申请人身份证号")).fill(walk_in)
    page.get_by_role("button", name=mn("下一步")).click()
    looked_at("register")
    page.get_by_label(mn("姓名"), exact=True).fill("巴雅尔")
    page.locator("#id_name_mn").fill("ᠪᠠᠶᠠᠷ")
    page.locator("#id_language").select_option(MONGOLIAN)
    page.locator("#id_township").select_option("150702001")
    page.locator("#id_phone").fill("13947000012")
    page.get_by_role("button", name=mn("登记并继续")).click()
    looked_at("form")
    page.get_by_role("checkbox", name=mn("困难残疾人生活补贴")).check()
    page.locator("#id_delivery_0").check()  # 窗口自取
    page.locator("#id_consent_share").check()
    page.locator("#id_consent_sensitive").check()
    page.get_by_role("button", name=mn("提交并受理")).click()
    looked_at("receipt")
    app = Application.objects.get(tracking_no=page.locator("#tracking-no").inner_text())
    assert app.applicant.language == MONGOLIAN and app.applicant.name_mn == "ᠪᠠᠶᠠᠷ"

    link = page.get_by_role("link", name=mn("PDF 回执（带验证码）"))
    pdf = page.request.get(link.get_attribute("href")).body()  # the PDF receipt, bilingual
    mongolian = PdfReader(io.BytesIO(pdf)).pages[-1].extract_text().replace("\x00", "")
    assert "ᠪᠠᠶᠠᠷ" in mongolian and app.tracking_no in mongolian
    context.close()


def test_a_mongolian_reading_officer_decides_from_the_queue_and_each_page_passes_axe(
    live_clock, browser, live_server
):
    """The township officer in Mongolian: the queue, the matter with its prescreen said again
    in Mongolian, the decision and its confirmation, then the window's to-do for the clerk."""
    clerk = factories.staff("mb_window2", Role.WINDOW_CLERK, "cdpf-150702", name="乌云")
    officer = factories.staff("mb_town", Role.TOWNSHIP_CIVIL, "civil-150702001", name="其其格")
    type(officer).objects.filter(pk__in=[clerk.pk, officer.pk]).update(language=MONGOLIAN)
    applicant = factories.certified_person(name="巴特尔", phone="13947000031")
    app = factories.application_accepted(clerk, applicant, matters=("LIVING",))
    context = browser.new_context(base_url=live_server.url, viewport={"width": 1280, "height": 800})
    page = context.new_page()
    page.set_default_timeout(15_000)
    shots = os.environ.get("ONESTOP_SCREENSHOTS") == "1"

    def looked_at(name: str) -> None:
        assert page.locator("html").get_attribute("lang") == "mn-Mong"
        assert not CYRILLIC.search(page.content()), name
        results = Axe().run(page, options=WCAG)
        assert results.violations_count == 0, (name, results.generate_report())
        if shots:
            page.screenshot(path=str(ARTIFACTS / f"mongolian-officer-{name}.png"), full_page=True)

    def log_in(username: str) -> None:
        page.goto("/accounts/login/")
        page.locator("#id_username").fill(username)
        page.locator("#id_password").fill(factories.PASSWORD)
        page.locator("button[type=submit]").click()
        page.wait_for_url("**/workbench/")

    log_in("mb_town")
    page.get_by_role("link", name=mn("待办")).first.click()
    page.locator('a[href="?tab=unclaimed"]').click()  # 本单位未认领
    looked_at("queue")
    page.get_by_role("link", name=app.tracking_no).click()
    looked_at("matter")
    assert MONGOLIAN_TEXT.search(page.locator("#prescreen-reasons").inner_text())
    page.get_by_role("radio", name=mn("通过")).check()
    page.get_by_role("button", name=mn("下一步：确认")).click()
    looked_at("confirm")
    page.get_by_role("button", name=mn("确认提交")).click()
    page.wait_for_url("**/workbench/queue/")
    looked_at("decided")
    step = Step.objects.get(matter__application=app, role=Role.TOWNSHIP_CIVIL)
    assert step.status == "done" and step.outcome == Outcome.APPROVE
    context.clear_cookies()

    online = application_submit(
        actor=None,
        channel="online",
        applicant=factories.certified_person(name="巴雅尔", phone="13947000032"),
        matters=["NURSING"],
        delivery="pickup",
        consent_given=True,
        sensitive_consent_given=True,
    )
    log_in("mb_window2")
    page.get_by_role("link", name=mn("窗口待办")).first.click()
    looked_at("window")
    page.get_by_role("link", name=online.tracking_no).click()
    looked_at("application")
    page.get_by_role("button", name=mn("受理"), exact=True).click()
    looked_at("accepted")
    online.refresh_from_db()
    assert online.status == "in_progress"
    context.close()


@pytest.mark.parametrize("width", [320, 1280])
def test_the_staff_pages_in_mongolian_fit_a_phone_and_a_desktop(
    live_clock, browser, live_server, width
):
    """Each role's main pages, read in Mongolian: no Mongolian text overflows its box, the
    page scrolls sideways only, and axe finds nothing."""
    clerk = factories.staff("mf_window", Role.WINDOW_CLERK, "cdpf-150702", name="乌云")
    town = factories.staff("mf_town", Role.TOWNSHIP_CIVIL, "civil-150702001", name="其其格")
    boss = factories.staff("mf_sup", Role.SUPERVISOR, "gov-150700", name="巴特尔")
    type(clerk).objects.filter(pk__in=[clerk.pk, town.pk, boss.pk]).update(language=MONGOLIAN)
    applicant = factories.certified_person(name="朝鲁", phone="13947000041")
    app = factories.application_accepted(clerk, applicant, matters=("LIVING", "NURSING"))
    matter = app.matters.order_by("pk").first()
    pages = {
        "mf_window": ["/workbench/window/", f"/workbench/applications/{app.pk}/"],
        "mf_town": [
            "/workbench/queue/?tab=unclaimed",
            f"/workbench/matters/{matter.pk}/",
            "/workbench/persons/",
            f"/workbench/persons/{applicant.pk}/",
        ],
        "mf_sup": ["/workbench/supervise/", "/workbench/ratings/", "/reports/"],
    }
    context = browser.new_context(
        base_url=live_server.url, viewport={"width": width, "height": 800}
    )
    page = context.new_page()
    page.set_default_timeout(15_000)
    for username, paths in pages.items():
        context.clear_cookies()
        page.goto("/accounts/login/")
        page.locator("#id_username").fill(username)
        page.locator("#id_password").fill(factories.PASSWORD)
        page.locator("button[type=submit]").click()
        page.wait_for_url("**/workbench/")
        for path in paths:
            page.goto(path)
            page.evaluate("document.fonts.ready")
            if os.environ.get("ONESTOP_SCREENSHOTS") == "1":
                name = "-".join(p for p in path.split("?")[0].split("/") if p and not p.isdigit())
                page.screenshot(
                    path=str(ARTIFACTS / f"mongolian-staff-{name}-{width}.png"), full_page=True
                )
            assert page.locator("html").get_attribute("lang") == "mn-Mong", path
            assert page.evaluate(OVERFLOWING) == [], (path, width)
            results = Axe().run(page, options=WCAG)
            assert results.violations_count == 0, (path, results.generate_report())
    context.close()

"""Every page fits a 320 px phone, passes axe-core, and the portal keeps its own frame.

``PAGES`` is the one list of pages checked for accessibility and layout: each viewer signs in
once and walks its pages at 320 px (standard and, on the portal, 长辈版) and at 1280 px.
With ONESTOP_SCREENSHOTS=1 the pages named in ``SCREENSHOTS`` are photographed into
test-artifacts/ (committed there to be looked at; off by default so a test run leaves them be).
"""

import os
import re
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from importlib import import_module
from pathlib import Path

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.conf import settings

from onestop.accounts.models import StaffUser
from onestop.benefits.models import Entitlement
from onestop.benefits.prepare import run_prepare
from onestop.benefits.reviews import review_open
from onestop.benefits.runs import run_approve, run_release
from onestop.benefits.services import payee_account_set, returns_import
from onestop.cases.acceptance import application_accept
from onestop.cases.intake import application_submit
from onestop.cases.models import Application
from onestop.core import clock
from onestop.demo.data import DEMO_PASSWORD, load_demo_accounts, load_demo_hotlines
from onestop.documents.models import DocumentKind
from onestop.documents.services import document_issue
from onestop.notices.models import SmsMessage
from onestop.notices.services import certificate_expiry_remind
from onestop.people.services import certificate_record, guardian_add
from onestop.policy.matters import Matter
from onestop.regions.models import Region
from tests import factories

pytestmark = pytest.mark.django_db(transaction=True)
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
WCAG = {"runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]}}
PHONE = "13904700321"
GUIDES = [f"/portal/guide/{m.lower()}/" for m in Matter.values]

# (viewer, page name, path). The viewer is "public", "citizen" (signed in on the portal) or a
# demo staff account. A page with a screenshot name is also photographed at 320 and 1280 px.
PAGES: list[tuple[str, str, str]] = [
    ("public", "portal-home", "/portal/"),
    ("public", "check", "/portal/check/"),
    ("public", "sign-in", "/portal/sign-in/"),
    ("public", "lookup", "/portal/lookup/"),
    ("public", "verify-form", "/v/"),
    ("public", "verify", "/v/{code}/"),
    ("public", "portal-404", "/portal/no-such-page/"),
    ("public", "accessibility", "/portal/accessibility/"),
    ("public", "hotlines", "/portal/hotlines/"),
    *[("public", f"guide-{path.split('/')[-2]}", path) for path in GUIDES],
    ("citizen", "me", "/portal/me/"),
    ("citizen", "inbox", "/portal/inbox/"),
    ("citizen", "portal-application", "/portal/applications/{app}/"),
    ("citizen", "apply-start", "/portal/apply/{person}/"),
    ("citizen", "benefits", "/portal/benefits/"),
    ("citizen", "apply-renewal", "/portal/apply/{renewer}/?renew=1"),
    ("lookup", "lookup-status", "/portal/lookup/status/"),
    ("hlr_civil", "payments", "/workbench/payments/"),
    ("hlr_civil", "payment-run", "/workbench/payments/{run}/"),
    ("hlr_civil", "payment-returns", "/workbench/payments/returns/"),
    ("hlr_window", "workbench-home", "/workbench/"),
    ("hlr_window", "intake", "/workbench/intake/"),
    ("hlr_window", "intake-form", "/workbench/intake/{person}/"),
    ("hlr_window", "window-todo", "/workbench/window/"),
    ("hlr_window", "receipt", "/workbench/applications/{app}/receipt/"),
    ("hlr_window", "staff-application", "/workbench/applications/{app}/"),
    ("hlr_window", "person-list", "/workbench/persons/"),
    ("hlr_window", "person-detail", "/workbench/persons/{person}/"),
    ("hlr_window", "person-renewal", "/workbench/persons/{renewer}/"),
    ("hlr_window", "intake-renewal", "/workbench/intake/{renewer}/?renew=1"),
    ("hlr_cdpf", "renewal-matter", "/workbench/matters/{renewal}/"),
    ("zy_civil", "queue", "/workbench/queue/"),
    ("zy_civil", "staff-matter", "/workbench/matters/{living}/"),
    ("zy_civil", "ratings", "/workbench/ratings/"),
    ("zy_civil", "reviews", "/workbench/reviews/"),
    ("hlbe_supervisor", "supervise", "/workbench/supervise/"),
    ("hlbe_supervisor", "reports", "/reports/"),
    ("hlbe_admin", "translations", "/workbench/translations/"),
]
SCREENSHOTS = {
    "portal-home",
    "portal-application",
    "apply-start",
    "staff-matter",
    "verify",
    "payment-run",
    "benefits",
    "reviews",
}
VIEWERS = sorted({viewer for viewer, _, _ in PAGES})


@pytest.fixture
def site(live_clock, reference_data):
    load_demo_accounts()
    load_demo_hotlines()
    person = factories.person(
        "150702001", name="斯琴", birth=date(1970, 1, 1), phone=PHONE, dibao_category="urban"
    )
    certificate_record(
        actor=None, person=person, number=person.id_number + "41", issue_date=date(2024, 5, 1)
    )
    clerk = StaffUser.objects.get(username="hlr_window")
    app = application_submit(
        actor=clerk,
        channel="window",
        applicant=person,
        matters=list(Matter.values),
        delivery="pickup",
        consent_given=True,
        sensitive_consent_given=True,
    )
    app = application_accept(actor=clerk, application=app)
    receipt = document_issue(actor=clerk, kind=DocumentKind.RECEIPT, application=app)
    renewer, renewal = _cards_due(clerk, person)
    return {
        "run": _a_released_roll(person, app.matters.get(kind=Matter.LIVING)),
        "renewer": renewer.pk,
        "renewal": renewal.pk,
        "app": app.pk,
        "person": person.pk,
        "living": app.matters.get(kind=Matter.LIVING).pk,
        "code": receipt.code,
    }


def _cards_due(clerk, guardian):
    """Two cards 45 days from expiry: 乌兰's, whose guardian is the citizen, offered for 换证;
    乌云's, renewed in an application at the window."""
    today = clock.today()
    renewer, other = (
        factories.person("150702001", name=name, birth=date(1972, 7, 7))
        for name in ("乌兰", "乌云")
    )
    for holder in (renewer, other):
        certificate_record(
            actor=None,
            person=holder,
            number=holder.id_number + "41",
            issue_date=today - timedelta(days=3600),
            valid_until=today + timedelta(days=45),
        )
    guardian_add(
        actor=None,
        person=renewer,
        kind="guardian",
        name=guardian.name,
        id_number=guardian.id_number,
        relation="姐姐",
        phone=guardian.phone,
    )
    certificate_expiry_remind(today=today)
    app = application_submit(
        actor=clerk,
        channel="window",
        applicant=other,
        matters=[Matter.CERT],
        delivery="pickup",
        consent_given=True,
        sensitive_consent_given=True,
    )
    app = application_accept(actor=clerk, application=app)
    return renewer, app.matters.get()


def _a_released_roll(person, living) -> int:
    """斯琴 entitled since March and paid (April's roll, one payment returned)."""
    county = Region.objects.get(code="150702")
    Entitlement.objects.create(
        person=person,
        kind="LIVING",
        county=county,
        matter=living,
        amount=Decimal(100),
        start=date(2026, 3, 1),
        created_at=datetime(2026, 3, 20, tzinfo=UTC),
    )
    payee_account_set(
        actor=None, person=person, bank="中国农业银行", holder="斯琴", number="6228480000000000017"
    )
    officer, head = (StaffUser.objects.get(username=u) for u in ("hlr_civil", "hlr_civil_head"))
    run = run_prepare(actor=officer, county=county, kind="LIVING", month=date(2026, 4, 1)).run
    run = run_release(actor=head, run=run_approve(actor=head, run=run))
    line = run.lines.order_by("month").first()
    returns_import(actor=None, data=f"流水号,结果,原因\n{line.pk},失败,账户已销户\n".encode())
    review_open(actor=None, county=county, year=2026)
    return run.pk


def open_as(browser, live_server, viewer, site=None):
    context = browser.new_context(
        base_url=live_server.url, locale="zh-CN", viewport={"width": 320, "height": 800}
    )
    page = context.new_page()
    page.set_default_timeout(15_000)
    if viewer == "lookup":  # past the status look-up's code: its session, as a cookie
        session = import_module(settings.SESSION_ENGINE).SessionStore()
        application = Application.objects.get(pk=site["app"])
        session["lookup_application"] = application.pk
        session["lookup_tracking"] = application.tracking_no
        session.create()
        context.add_cookies(
            [
                {
                    "name": settings.SESSION_COOKIE_NAME,
                    "value": session.session_key,
                    "url": live_server.url,
                }
            ]
        )
    elif viewer == "citizen":
        page.goto("/portal/sign-in/")
        page.get_by_label("手机号码").fill(PHONE)
        page.click("button:has-text('获取验证码')")
        text = SmsMessage.objects.filter(phone=PHONE).order_by("-pk").first().text
        page.get_by_label("短信验证码（6 位数字）").fill(re.search(r"(\d{6})", text).group(1))
        page.click("button:has-text('登录')")
        page.wait_for_url("**/portal/me/")
    elif viewer != "public":
        page.goto("/accounts/login/")
        page.fill("#id_username", viewer)
        page.fill("#id_password", DEMO_PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_url("**/workbench/")
    return page


def toggle_elder(page):
    page.goto("/portal/")
    page.locator("form[action='/portal/elder/'] button").click()


def overflow(page) -> list[str]:
    """What sticks out sideways: empty when the page does not scroll horizontally."""
    return page.evaluate(
        """() => {
          if (document.documentElement.scrollWidth <= innerWidth) return [];
          return [...document.querySelectorAll('body *')]
            .filter(e => e.getBoundingClientRect().right > innerWidth + 1)
            .slice(-5).map(e => e.tagName + '.' + e.className + ' ' + e.textContent.slice(0, 30));
        }"""
    )


def accessible_and_narrow(page, name) -> list[str]:
    problems = [f"scrolls sideways ({', '.join(stuck)})" for stuck in [overflow(page)] if stuck]
    results = Axe().run(page, options=WCAG)
    if results.violations_count:
        problems.append(results.generate_report())
    return problems


def walk(page, pages, site, check) -> list[str]:
    failures = []
    for name, path in pages:
        page.goto(path.format(**site))
        failures += [f"{name}: {problem}" for problem in check(page, name)]
    return failures


@pytest.mark.parametrize("viewer", VIEWERS)
def test_every_page_fits_320_px_and_passes_axe(browser, live_server, site, viewer):
    pages = [(name, path) for v, name, path in PAGES if v == viewer]

    def narrow(page, name):
        shoot(page, name, 320)
        return accessible_and_narrow(page, name)

    page = open_as(browser, live_server, viewer, site)
    failures = walk(page, pages, site, narrow)
    if viewer in ("public", "citizen", "lookup"):
        toggle_elder(page)
        failures += [f"长辈版 {x}" for x in walk(page, pages, site, accessible_and_narrow)]
        toggle_elder(page)
    page.set_viewport_size({"width": 1280, "height": 800})
    walk(page, pages, site, lambda p, n: shoot(p, n, 1280) or [])
    page.context.close()
    assert failures == []


def shoot(page, name, width):
    if os.environ.get("ONESTOP_SCREENSHOTS") == "1" and name in SCREENSHOTS:
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / f"{name}-{width}.png"), full_page=True)


def test_the_portal_404_is_the_portals_own(page):
    response = page.goto("/portal/applications/999999/no-such-page/")
    assert response.status == 404
    header = page.locator("header.site-header")
    assert "扶残助困「一件事一次办」" in header.inner_text()
    assert page.locator("a[href^='/workbench']").count() == 0
    assert "管辖范围" not in page.content()
    assert page.get_by_role("link", name="回到首页").get_attribute("href") == "/portal/"
    assert "咨询电话" in page.locator("footer").inner_text()


def test_a_staff_404_stays_in_the_workbench(browser, live_server, site):
    staff = open_as(browser, live_server, "zy_civil")
    assert staff.goto("/workbench/matters/999999/").status == 404
    assert staff.get_by_role("link", name="返回工作台首页").is_visible()
    staff.context.close()


def test_the_skip_link_reaches_the_queue_list_in_three_tab_presses(browser, live_server, site):
    officer = open_as(browser, live_server, "zy_civil")
    officer.set_viewport_size({"width": 1280, "height": 800})
    officer.goto("/workbench/queue/")
    officer.keyboard.press("Tab")
    officer.keyboard.press("Tab")
    assert officer.evaluate("document.activeElement.textContent") == "跳到待办列表"
    officer.keyboard.press("Enter")
    officer.keyboard.press("Tab")
    focused = officer.evaluate("document.activeElement.closest('#list tbody tr') !== null")
    assert focused, "the third Tab press lands on the first matter of the list"
    officer.keyboard.press("Enter")
    officer.wait_for_url("**/workbench/matters/*/")
    officer.context.close()


def test_elder_mode_scales_select_text_like_the_rest(browser, live_server, site):
    page = open_as(browser, live_server, "public")
    sizes = "[...document.querySelectorAll('label, select')].map(e => getComputedStyle(e).fontSize)"
    page.goto("/portal/check/")
    standard = page.evaluate(sizes)
    toggle_elder(page)
    page.goto("/portal/check/")
    elder = page.evaluate(sizes)
    ratios = {round(float(b[:-2]) / float(a[:-2]), 2) for a, b in zip(standard, elder, strict=True)}
    assert len(ratios) == 1 and ratios.pop() > 1.2, ratios
    page.context.close()

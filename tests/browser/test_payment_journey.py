"""The month's roll in the browser, by keyboard only, with and without JavaScript: the county
officer prepares it, the department head approves and releases it and downloads the agent's file,
and the file's digest is the one the page shows."""

import hashlib
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from onestop.benefits.models import Entitlement, PaymentRun
from onestop.benefits.services import payee_account_set
from onestop.demo.data import DEMO_PASSWORD, load_demo_accounts
from onestop.regions.models import Region
from tests import factories

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(params=[True, False], ids=["js", "nojs"])
def js(request):
    return request.param


@pytest.fixture
def entitled(reference_data):
    load_demo_accounts()
    person = factories.person("150702001", name="斯琴", birth=date(1970, 1, 1))
    Entitlement.objects.create(
        person=person,
        kind="LIVING",
        county=Region.objects.get(code="150702"),
        amount=Decimal(100),
        start=date(2026, 3, 1),
        created_at=datetime(2026, 3, 20, tzinfo=UTC),
    )
    payee_account_set(
        actor=None, person=person, bank="农业银行", holder="斯琴", number="6228480000000000017"
    )
    return person


def signed_in(browser, live_server, username, js):
    context = browser.new_context(base_url=live_server.url, locale="zh-CN", java_script_enabled=js)
    page = context.new_page()
    page.set_default_timeout(15_000)
    page.goto("/accounts/login/")
    page.focus("#id_username")
    page.keyboard.type(username)
    page.keyboard.press("Tab")
    page.keyboard.type(DEMO_PASSWORD)
    page.keyboard.press("Enter")
    page.wait_for_url("**/workbench/")
    return page


def tab_to(page, name: str, limit: int = 60) -> None:
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


def submit(page) -> None:
    """Enter on the focused button, and wait for the page it leads to."""
    with page.expect_navigation():
        page.keyboard.press("Enter")


def test_a_roll_prepared_approved_and_released_by_keyboard(browser, live_server, entitled, js):
    officer = signed_in(browser, live_server, "hlr_civil", js)
    officer.goto("/workbench/payments/")
    tab_to(officer, "发放月份")
    officer.keyboard.type("2026-04")
    tab_to(officer, "生成名册")
    submit(officer)
    body = officer.locator("main").inner_text()
    assert "名册须由生成人以外的工作人员审核" in body and "200.00 元" in body
    run = PaymentRun.objects.get()

    head = signed_in(browser, live_server, "hlr_civil_head", js)
    head.goto(f"/workbench/payments/{run.pk}/")
    tab_to(head, "我已核对名册的人数和金额")
    head.keyboard.press("Space")
    tab_to(head, "审核通过")
    submit(head)
    assert "名册已审核" in head.locator("main").inner_text()
    tab_to(head, "我已核对名册的人数和金额")
    head.keyboard.press("Space")
    tab_to(head, "确认发放")
    submit(head)
    assert "已发放" in head.locator("main").inner_text()
    run.refresh_from_db()
    assert run.status == "released" and run.digest in head.locator("main").inner_text()
    download = head.request.get(f"/workbench/payments/{run.pk}/file/")
    assert hashlib.new("sm3", download.body()).hexdigest() == run.digest

import pytest

from onestop.accounts.roles import Role
from tests import factories

from .conftest import focus_lands_on

pytestmark = pytest.mark.django_db(transaction=True)


def test_clerk_signs_in_with_the_keyboard_only_and_sees_their_unit(page):
    factories.staff("kb_clerk", Role.WINDOW_CLERK, "cdpf-150702", name="王晓梅")
    page.goto("/workbench/")
    assert page.title() == "登录 - 扶残助困「一件事一次办」"
    focus_lands_on(page, "id_username")  # focus starts in the form
    page.keyboard.type("kb_clerk")
    page.keyboard.press("Tab")
    page.keyboard.type(factories.PASSWORD)
    page.keyboard.press("Enter")
    page.wait_for_url("**/workbench/")
    assert page.locator("h1").inner_text() == "您好，王晓梅"
    assert page.locator("#org-unit").inner_text() == "海拉尔区残疾人联合会"
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent") == "跳到主要内容"
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main"


def test_a_wrong_password_is_announced(page):
    factories.staff("kb_clerk2", Role.WINDOW_CLERK, "cdpf-150702")
    page.goto("/accounts/login/")
    page.fill("#id_username", "kb_clerk2")
    page.fill("#id_password", "not-the-password")
    page.click("button[type=submit]")
    alert = page.get_by_role("alert")
    assert "用户名或密码不正确" in alert.inner_text()

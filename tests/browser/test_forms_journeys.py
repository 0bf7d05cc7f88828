"""Forms as people use them: nothing applied for that nobody chose, nothing submitted twice,
every error shown where it was made, with focus on the summary of what to fix."""

import pytest

from onestop.cases.models import Application, Matter
from onestop.portal.models import DraftFile

from . import test_workbench_journeys as workbench
from .conftest import focus_lands_on
from .test_portal_journeys import PNG, new_page, sign_in
from .test_workbench_journeys import _application, open_as

pytestmark = pytest.mark.django_db(transaction=True)
ARTIFACTS = workbench.ARTIFACTS
demo, js = workbench.demo, workbench.js  # fixtures


def intake(clerk, person, *matters):
    clerk.click("nav[aria-label=主导航] >> text=窗口受理")
    clerk.fill("#id_id_number", person.id_number)
    clerk.click("text=下一步")
    for label in matters:
        clerk.get_by_role("checkbox", name=label).check()
    clerk.get_by_label("窗口自取").check()
    clerk.locator("#id_consent_share").check()
    clerk.locator("#id_consent_sensitive").check()


def shot(page, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"forms-{name}.png"), full_page=True)


def test_back_and_resubmit_at_the_window_lands_on_the_first_receipt(browser, live_server, demo, js):
    clerk = open_as(browser, live_server, "hlr_window", js)
    intake(clerk, demo, "城乡居民基本养老保险保费代缴")
    clerk.click("text=提交并受理")
    first = clerk.locator("#tracking-no").inner_text()
    clerk.go_back()
    # The form is asked for again and knows it was submitted: nothing live to press.
    assert clerk.locator("h1").inner_text() == "这份申请已经提交"
    assert clerk.get_by_role("button", name="提交并受理").count() == 0
    clerk.locator("#already-submitted").get_by_role("link", name=first).click()
    assert clerk.locator("#tracking-no").inner_text() == first
    assert Application.objects.count() == 1 and Matter.objects.count() == 1


def test_a_new_form_for_a_matter_already_open_is_refused_with_a_link(
    browser, live_server, demo, js
):
    open_app = _application(demo, ["PENSION"])
    clerk = open_as(browser, live_server, "hlr_window", js)
    intake(clerk, demo, "城乡居民基本养老保险保费代缴")
    clerk.click("text=提交并受理")
    summary = clerk.locator("#error-summary")
    assert "已有在办申请" in summary.inner_text() and open_app.tracking_no in summary.inner_text()
    focus_lands_on(clerk, "error-summary")
    if js:
        shot(clerk, "intake-already-open")
    clerk.locator("#open-application").get_by_role("link", name=open_app.tracking_no).click()
    assert open_app.tracking_no in clerk.locator("h1").inner_text()
    assert Application.objects.count() == 1


def test_a_window_intake_of_only_medical_aid_creates_only_that_matter(
    browser, live_server, demo, js
):
    clerk = open_as(browser, live_server, "hlr_window", js)
    intake(clerk, demo)
    boxes = clerk.get_by_role("group", name="申请办理的事项").get_by_role("checkbox")
    assert boxes.count() == 5 and not any(boxes.nth(i).is_checked() for i in range(5))
    assert clerk.get_by_text("预审符合").first.is_visible()  # suggested, not ticked
    if js:
        shot(clerk, "intake-suggested")
    clerk.get_by_role("checkbox", name="困难群众医疗救助手工（零星）报销").check()
    clerk.click("text=提交并受理")
    receipt = clerk.locator("main").inner_text()
    assert "困难群众医疗救助手工（零星）报销" in receipt
    for other in ("残疾人证新办", "困难残疾人生活补贴", "重度残疾人护理补贴"):
        assert other not in receipt
    assert list(Matter.objects.values_list("kind", flat=True)) == ["MEDICAL"]


@pytest.mark.parametrize("mode", ["js", "nojs"])
def test_an_oversized_upload_is_refused_at_step_2_naming_its_slot(
    browser, live_server, ward, phone, mode, tmp_path
):
    page = new_page(browser, live_server, mode)
    sign_in(page, phone)
    page.click("text=为巴图申请")
    page.get_by_role("checkbox", name="困难残疾人生活补贴").check()
    page.click("button:has-text('下一步')")
    big = tmp_path / "scan.pdf"
    big.write_bytes(b"%PDF-" + b"0" * (10 * 1024 * 1024 + 1))
    page.get_by_label("近期一寸免冠彩色照片（拍照上传）").set_input_files(str(big))
    page.click("button:has-text('下一步')")
    assert page.url.endswith("/details/")
    summary = page.locator("#error-summary")
    assert "请修改以下问题" in summary.inner_text()
    link = summary.get_by_role("link", name="近期一寸免冠彩色照片：“scan.pdf”超过 10 MB")
    assert link.get_attribute("href") == "#id_file_photo"
    focus_lands_on(page, "error-summary")
    assert not DraftFile.objects.exists()
    if mode == "js":
        shot(page, "portal-upload-refused")

    # A good file is kept and can be removed again.
    photo = tmp_path / "photo.png"
    photo.write_bytes(PNG)
    page.get_by_label("近期一寸免冠彩色照片（拍照上传）").set_input_files(str(photo))
    page.click("button:has-text('保存，以后接着填')")
    page.click("text=接着为巴图填写")
    assert page.url.endswith("/details/")  # resumes where it was left
    uploaded = page.locator("#uploaded")
    assert "近期一寸免冠彩色照片" in uploaded.inner_text() and "photo.png" in uploaded.inner_text()
    uploaded.get_by_role("button", name="删除").click()
    assert "已删除" in page.locator("#messages").inner_text()
    assert page.locator("#uploaded").count() == 0 and not DraftFile.objects.exists()


def test_after_back_from_a_submitted_application_nothing_can_be_submitted_again(
    browser, live_server, ward, phone
):
    page = new_page(browser, live_server, "js")
    sign_in(page, phone)
    page.click("text=为巴图申请")
    page.get_by_role("checkbox", name="城乡居民基本养老保险保费代缴").check()
    page.click("button:has-text('下一步')")
    page.click("button:has-text('下一步')")
    page.get_by_label("窗口自取").check()
    page.click("button:has-text('下一步')")
    page.locator("#id_consent_share").check()
    page.locator("#id_consent_sensitive").check()
    page.click("button:has-text('提交申请')")
    tracking_no = page.locator("#tracking-no").inner_text()
    page.go_back()
    assert "这份申请已经提交" in page.locator("main").inner_text()
    assert page.get_by_role("button", name="提交申请").count() == 0
    shot(page, "portal-back-after-submit")
    page.get_by_role("link", name=f"受理编号 {tracking_no}").click()
    assert page.locator("#tracking-no").inner_text() == tracking_no
    assert Application.objects.count() == 1


def test_the_medical_amount_error_is_shown_before_the_confirmation(browser, live_server, demo, js):
    app = _application(demo, ["MEDICAL"])
    officer = open_as(browser, live_server, "hlr_medical", js)
    officer.goto(f"/workbench/matters/{app.matters.get().pk}/")
    officer.get_by_label("通过", exact=True).check()
    officer.click("text=下一步：确认")
    assert officer.get_by_role("button", name="确认提交").count() == 0
    summary = officer.locator("#error-summary")
    assert "请修改以下问题" in summary.inner_text()
    focus_lands_on(officer, "error-summary")
    if js:
        shot(officer, "medical-amount-error")
    link = summary.get_by_role("link", name="请填写核定的报销金额。")
    assert link.get_attribute("href") == "#id_amount"
    link.click()
    focus_lands_on(officer, "id_amount")
    officer.get_by_label("核定报销金额（元）").fill("320.50")
    officer.get_by_label("理由或意见").fill("按票据核定。")
    officer.click("text=下一步：确认")
    officer.click("text=确认提交")
    assert "已办理" in officer.locator("#messages").inner_text()
    assert app.matters.get().result["amount"] == "320.50"

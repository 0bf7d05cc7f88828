"""The applicant's own words and the pick-up place, walked in Chromium: a reason typed at the
window reaches the officer's matter page and the 附件4 form, and the receipt names the window."""

from datetime import date
from pathlib import Path

import pytest

from onestop.accounts.models import StaffUser
from onestop.cases.acceptance import application_accept
from onestop.cases.intake import application_submit
from onestop.cases.models import Application, Matter
from onestop.core.words import clashes
from onestop.demo.data import load_demo_accounts
from onestop.people.services import certificate_record
from tests import factories
from tests.pdfs import pdf_text

from .test_portal_journeys import new_page, sign_in
from .test_workbench_journeys import axe_clean, open_as

pytestmark = pytest.mark.django_db(transaction=True)
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
LIVING_WORDS = "城镇低保户，无固定收入。"
NURSING_WORDS = "瘫痪在床，需要家人长期照护。"
HOME = "正阳街道50号"


@pytest.fixture
def applicant(reference_data):
    load_demo_accounts()
    person = factories.person(
        "150702001",
        name="斯琴",
        birth=date(1970, 1, 1),
        dibao_category="urban",
        address=HOME,
        phone="13904799991",
    )
    certificate_record(
        actor=None, person=person, number=person.id_number + "41", issue_date=date(2024, 5, 1)
    )
    return person


def test_the_reason_typed_at_the_window_reaches_the_officer_and_the_form(
    browser, live_server, applicant
):
    clerk = open_as(browser, live_server, "hlr_window")
    clerk.click("nav[aria-label=主导航] >> text=窗口受理")
    clerk.fill("#id_id_number", applicant.id_number)
    clerk.click("text=下一步")
    for label in ("困难残疾人生活补贴", "重度残疾人护理补贴"):
        clerk.get_by_role("checkbox", name=label).check()  # the name adds the 预审 badge
    clerk.get_by_label("生活补贴申请理由").fill(LIVING_WORDS)
    clerk.get_by_label("护理补贴申请理由").fill(NURSING_WORDS)
    clerk.get_by_label("近期一寸免冠彩色照片：原件已核验").check()
    clerk.get_by_label("窗口自取").check()
    clerk.locator("#id_consent_share").check()
    clerk.locator("#id_consent_sensitive").check()
    clerk.click("text=提交并受理")

    # The receipt says where to pick the results up: the window, its hours, what to bring.
    delivery = clerk.locator("#delivery").inner_text()
    assert HOME not in delivery
    assert "海拉尔区残联「一件事一次办」窗口" in delivery and "海拉尔区政务服务中心一楼" in delivery
    assert "办公时间：工作日" in delivery and "取件码和申请人的居民身份证" in delivery
    assert clashes(delivery) == []
    ARTIFACTS.mkdir(exist_ok=True)
    clerk.screenshot(path=str(ARTIFACTS / "words-receipt.png"), full_page=True)
    tracking_no = clerk.locator("#tracking-no").inner_text()
    app = Application.objects.get(tracking_no=tracking_no)

    township = open_as(browser, live_server, "zy_civil")
    township.click("nav[aria-label=主导航] >> text=待办")
    township.locator("tr", has_text="困难残疾人生活补贴").filter(has_text=tracking_no).get_by_role(
        "link"
    ).first.click()
    assert township.locator("#applicant-reason").inner_text().strip() == LIVING_WORDS
    axe_clean(township, "matter page with the applicant's reason")
    township.screenshot(path=str(ARTIFACTS / "words-matter.png"), full_page=True)
    nursing = Matter.objects.get(application=app, kind="NURSING")
    township.goto(f"/workbench/matters/{nursing.pk}/")
    assert township.locator("#applicant-reason").inner_text().strip() == NURSING_WORDS

    response = clerk.request.get(f"/workbench/applications/{app.pk}/documents/subsidy_form/")
    assert response.ok and response.headers["content-type"] == "application/pdf"
    form = pdf_text(response.body())
    assert f"困难残疾人生活补贴申请理由：{LIVING_WORDS}" in form
    assert f"重度残疾人护理补贴申请理由：{NURSING_WORDS}" in form
    receipt = clerk.request.get(f"/workbench/applications/{app.pk}/documents/receipt/")
    text = pdf_text(receipt.body())
    assert "海拉尔区残联「一件事一次办」窗口" in text and HOME not in text
    clerk.context.close()
    township.context.close()


def test_the_portal_status_names_the_window_not_the_home(browser, live_server, applicant):
    """What the applicant reads online about pick-up is the same window, in large print too."""
    clerk = StaffUser.objects.get(username="hlr_window")
    app = application_submit(
        actor=clerk,
        channel="window",
        applicant=applicant,
        matters=["LIVING"],
        delivery="pickup",
        delivery_address=HOME,
        consent_given=True,
        sensitive_consent_given=True,
        answers={"living_reason": LIVING_WORDS},
    )
    application_accept(actor=clerk, application=app)
    page = new_page(browser, live_server, "elder")
    sign_in(page, applicant.phone)
    page.goto(f"/portal/applications/{app.pk}/")
    delivery = page.locator("#delivery").inner_text()
    assert HOME not in delivery and "海拉尔区残联「一件事一次办」窗口" in delivery
    assert "取件码和申请人的居民身份证" in delivery and clashes(delivery) == []
    page.screenshot(path=str(ARTIFACTS / "words-portal-status-elder.png"), full_page=True)
    page.context.close()

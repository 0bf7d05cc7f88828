"""Sentences a clerk can read aloud: joined without doubled or clashing punctuation, the
applicant's own reasons where the form has them, and the pick-up window named.

The acceptance test walks one awkward case (reasons ending in 。, a refused matter, a material
whose name contains 、) through every notice and every document, and reads each back."""

import re
from datetime import date

import pytest
from django.urls import reverse

from onestop.accounts.roles import Role
from onestop.cases.acceptance import application_accept
from onestop.cases.chains import Outcome
from onestop.cases.intake import application_submit
from onestop.cases.materials import MaterialIn
from onestop.cases.models import Application, MaterialSource, Matter, Step
from onestop.cases.steps import Decision, matter_supply, step_decide
from onestop.core.words import (
    bare,
    clashes,
    clauses,
    listing,
    restored,
    sentence,
    sentences,
    stored,
    words,
    written,
)
from onestop.delivery.models import Handover
from onestop.delivery.services import handover_pickup
from onestop.documents.models import DocumentKind
from onestop.documents.services import document_issue, document_pdf
from onestop.notices.models import Notice
from onestop.notices.services import TEMPLATES, compose
from onestop.regions.models import OrgUnit
from onestop.regions.services import unit_hotline_set

from . import factories
from .pdfs import pdf_text
from .test_documents import ARTIFACTS

LIVING_WORDS = "城镇低保户，无固定收入。"
NURSING_WORDS = "瘫痪在床，需要家人长期照护。"
REFUSAL = "经入户核查，不需要长期照护。"
AWKWARD_MATERIAL = "户口簿首页、本人页复印件"


def test_a_sentence_ends_in_one_stop_whatever_it_came_with():
    assert sentence("同意发放") == "同意发放。"
    assert sentence("同意发放。") == "同意发放。"
    assert sentence("同意发放；") == "同意发放。"
    assert sentence("真的吗？") == "真的吗？"
    assert sentence(" ") == ""


def test_sentences_and_clauses_never_double_their_punctuation():
    assert sentences("原因：不需要长期照护。", "如果不服，可以申请行政复议。") == (
        "原因：不需要长期照护。如果不服，可以申请行政复议。"
    )
    assert sentences("甲", "", "乙。") == "甲。乙。"
    assert clauses(["符合条件。", "金额待定；", "", "按月发放"]) == "符合条件；金额待定；按月发放"
    assert bare("已送达。") == "已送达"


def test_a_list_whose_items_contain_the_list_mark_is_numbered():
    assert listing(["低保证明", "户口簿"]) == "低保证明、户口簿"
    assert listing(["低保证明", AWKWARD_MATERIAL]) == f"1. 低保证明；2. {AWKWARD_MATERIAL}"


def test_the_clash_finder_sees_every_pair_a_reader_would_stumble_on():
    for bad in ["照护。。如果", "同意。；不同意", "甲，。", "甲、、乙", "对；。"]:
        assert clashes(bad), bad
    assert clashes("照护。如果不服，可以申请；或者起诉。") == []


def test_every_notice_template_reads_cleanly_with_awkward_values():
    values = {
        "tracking_no": "HLR-2026-0001",
        "due": "2026年12月30日。",
        "matter": "重度残疾人护理补贴",
        "missing": ["低保证明", AWKWARD_MATERIAL],
        "outcome": "未批准。",
        "reason": sentences(f"原因：{REFUSAL}", "如不服，可依法申请行政复议或提起行政诉讼。"),
        "note": "（窗口领取）",
        "results": "残疾人证新办已办好；重度残疾人护理补贴未获批准。",
        "how": "请凭取件码 123456 和身份证领取。",
        "mail_no": "XA123456789CN",
        "level": "不满意",
        "answer": sentences("已增加人手，三个工作日内办结。", "整改期限 2026年12月15日"),
        "kind": "困难残疾人生活补贴",
        "month": "2026年4月",
        "until": "2027年3月1日",
    }
    for event, template in TEMPLATES.items():
        needed = set(re.findall(r"{(\w+)}", template)) - {"name"}
        text = compose(event, name="其木格。", **{k: values[k] for k in needed})
        assert clashes(text) == [], (event, text)
        assert text.endswith("。"), (event, text)


@pytest.fixture
def team(db):
    roles = {
        "clerk": (Role.WINDOW_CLERK, "cdpf-150702"),
        "township": (Role.TOWNSHIP_CIVIL, "civil-150702001"),
        "cdpf": (Role.CDPF_REVIEWER, "cdpf-150702"),
        "county": (Role.COUNTY_CIVIL, "civil-150702"),
    }
    return {k: factories.staff(f"w_{k}", role, unit) for k, (role, unit) in roles.items()}


def _decide_all(team, app, returned=False):
    by_role = {
        Role.TOWNSHIP_CIVIL: "township",
        Role.CDPF_REVIEWER: "cdpf",
        Role.COUNTY_CIVIL: "county",
    }
    while (
        step := Step.objects.filter(matter__application=app, status="active").first()
    ) is not None:
        who = by_role[step.role]
        if not returned and step.matter.kind == "LIVING" and who == "township":
            decision = Decision(Outcome.RETURN, missing_materials=("低保证明", AWKWARD_MATERIAL))
            step_decide(actor=team[who], step=step, decision=decision)
            matter_supply(
                actor=team["clerk"],
                matter=step.matter,
                materials=[MaterialIn("dibao_proof", MaterialSource.PAPER)],
                in_person=True,
            )
            returned = True
            continue
        if step.matter.kind == "NURSING" and who == "county":
            decision = Decision(Outcome.REJECT, reason=REFUSAL)
        else:
            decision = Decision(Outcome.APPROVE, reason="符合条件，同意。")
        step_decide(actor=team[who], step=step, decision=decision)


@pytest.fixture
def awkward_case(team):
    person = factories.certified_person(
        name="其木格",
        birth=date(1975, 3, 3),
        dibao_category="urban",
        phone="13904711111",
        address="正阳街道50号",
    )
    app = application_submit(
        actor=team["clerk"],
        channel="window",
        applicant=person,
        matters=["LIVING", "NURSING"],
        delivery="pickup",
        delivery_address="正阳街道50号",  # what the intake form pre-fills, even for pick-up
        consent_given=True,
        sensitive_consent_given=True,
        communication_needs=["large_print", "voice_call"],
        answers={"living_reason": LIVING_WORDS, "nursing_reason": NURSING_WORDS},
    )
    app = application_accept(actor=team["clerk"], application=app)
    _decide_all(team, app)
    handover = Handover.objects.get(application=app)
    ready = Notice.objects.filter(application=app, event="ready").first().text
    code = re.search(r"取件码 (\d{6})", ready).group(1)
    handover_pickup(actor=team["clerk"], handover=handover, code=code)
    return Application.objects.get(pk=app.pk)


@pytest.mark.django_db
def test_every_notice_and_document_of_an_awkward_case_reads_cleanly(team, awkward_case):
    app = awkward_case
    notices = list(Notice.objects.filter(application=app))
    assert {n.channel for n in notices} >= {"sms", "inbox", "voice"}
    assert {n.event for n in notices} >= {"accepted", "supplement", "decided", "ready", "delivered"}
    for n in notices:
        assert clashes(n.text) == [], (n.event, n.channel, n.text)
    ready = next(n.text for n in notices if n.event == "ready")
    assert "困难残疾人生活补贴已办好" in ready and "重度残疾人护理补贴未获批准" in ready
    assert "重度残疾人护理补贴已办好" not in ready and "重度残疾人护理补贴、" not in ready
    supplement = next(n.text for n in notices if n.event == "supplement")
    assert f"1. 低保证明；2. {AWKWARD_MATERIAL}" in supplement
    delivered = next(n.text for n in notices if n.event == "delivered")
    assert "已送达（窗口领取）。" in delivered

    nursing = Matter.objects.get(application=app, kind="NURSING")
    living = Matter.objects.get(application=app, kind="LIVING")
    for kind, matter in [
        (DocumentKind.RECEIPT, None),
        (DocumentKind.APPLICATION_FORM, None),
        (DocumentKind.SUBSIDY_FORM, None),
        (DocumentKind.RESULT, living),
        (DocumentKind.RESULT, nursing),
    ]:
        doc = document_issue(actor=team["clerk"], kind=kind, application=app, matter=matter)
        pdf = document_pdf(actor=team["clerk"], document=doc)
        ARTIFACTS.mkdir(exist_ok=True)
        (ARTIFACTS / f"words-{kind}{'-' + matter.kind if matter else ''}.pdf").write_bytes(pdf)
        text = pdf_text(pdf)
        assert clashes(text) == [], (kind, clashes(text))
        if kind != DocumentKind.SUBSIDY_FORM:
            delivery = text.split("结果送达")[1]  # the 申请表 lists the home address above it
            assert "正阳街道50号" not in delivery, kind  # pick-up is at the window, not at home
            assert "海拉尔区残联「一件事一次办」窗口" in delivery, kind


@pytest.mark.django_db
def test_the_subsidy_form_prints_the_applicants_words_and_the_rules_in_the_opinions(
    team, awkward_case
):
    doc = document_issue(
        actor=team["clerk"], kind=DocumentKind.SUBSIDY_FORM, application=awkward_case
    )
    text = pdf_text(document_pdf(actor=team["clerk"], document=doc))
    living_box = text.split("困难残疾人生活补贴申请理由：")[1].split("重度残疾人护理补贴申请理由")[
        0
    ]
    nursing_box = text.split("重度残疾人护理补贴申请理由：")[1].split("申请人（代理人）签字")[0]
    assert living_box.strip() == LIVING_WORDS
    assert nursing_box.strip() == NURSING_WORDS
    assert REFUSAL not in nursing_box and REFUSAL in text  # the refusal is the county's opinion
    assert "【" not in living_box + nursing_box  # no rule text in the applicant's box


@pytest.mark.django_db
def test_officers_read_the_applicants_words_on_the_matter_and_application_pages(
    client, team, awkward_case
):
    nursing = Matter.objects.get(application=awkward_case, kind="NURSING")
    client.force_login(team["county"])
    page = client.get(reverse("workbench:matter", args=[nursing.pk])).content.decode()
    assert NURSING_WORDS in page and LIVING_WORDS not in page
    page = client.get(reverse("workbench:application", args=[awkward_case.pk])).content.decode()
    assert NURSING_WORDS in page and LIVING_WORDS in page
    assert "大字版材料、电话语音告知" in page and "large_print" not in page


@pytest.mark.django_db
def test_the_receipt_names_the_window_its_address_hours_and_what_to_bring(
    client, team, awkward_case
):
    unit = OrgUnit.objects.get(code="cdpf-150702")
    unit.address, unit.opening_hours = "海拉尔区胜利大街1号政务服务中心一楼", "工作日9:00至17:00"
    unit.save()
    client.force_login(team["clerk"])
    page = client.get(reverse("workbench:receipt", args=[awkward_case.pk])).content.decode()
    delivery = re.search(r'<dd id="delivery">(.*?)</dd>', page).group(1)
    assert "正阳街道50号" not in delivery
    assert "海拉尔区残联「一件事一次办」窗口" in delivery
    assert "海拉尔区胜利大街1号政务服务中心一楼" in delivery and "工作日9:00至17:00" in delivery
    assert "取件码和申请人的居民身份证" in delivery
    assert clashes(delivery) == []
    # Whom to call is a number, not "the window's phone": the county's, else the default line.
    unit_hotline_set(actor=None, unit=unit, hotline="0470-8200123")
    page = client.get(reverse("workbench:receipt", args=[awkward_case.pk])).content.decode()
    help_text = re.search(r'<p id="progress-help">(.*?)</p>', page).group(1)
    assert "或拨打咨询电话 0470-8200123（海拉尔区扶残助困「一件事一次办」窗口）" in help_text
    assert clashes(help_text) == [] and help_text.endswith("。")


@pytest.mark.django_db
def test_every_county_window_has_a_place_and_hours_to_tell_people():
    windows = OrgUnit.objects.filter(department="cdpf", region__level="county")
    assert windows.exists() and not windows.filter(address="").exists()
    assert not windows.filter(opening_hours="").exists()
    hailar = windows.get(code="cdpf-150702")
    assert hailar.address == "海拉尔区政务服务中心一楼"


def test_a_value_kept_in_a_record_is_written_the_same_when_read_back():
    """A reason's values kept as JSON (a matter's prescreen) come back as the same dates, lists
    and nested sentences, so the sentence can be written later in any reader's language."""
    import json

    value = (
        date(2026, 6, 30),
        words("{y}年度", y=2026),
        ("城市低保", "农村低保"),
        600,
    )
    kept = json.loads(json.dumps(stored(value)))
    assert restored(kept) == value
    assert written(restored(kept)) == written(value)


def test_a_moment_is_dated_in_beijing_not_in_utc():
    from datetime import UTC, datetime

    from django.template import Context, Template

    late_evening_utc = datetime(2026, 4, 1, 17, 30, tzinfo=UTC)  # 01:30 on 2 April in Beijing
    page = Template('{% load words %}{{ t|day }} {{ t|time:"H:i" }} {{ t|month }}').render(
        Context({"t": late_evening_utc})
    )
    assert page == "2026年4月2日 01:30 2026年4月"

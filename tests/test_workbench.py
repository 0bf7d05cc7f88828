"""Staff pages without a browser: intake, queues, the matter page, supervision, scope."""

import re
from datetime import date

import pytest

from onestop.accounts.roles import Role
from onestop.audit.models import AuditAction, AuditEvent
from onestop.cases.models import Application, Matter, Step
from onestop.people.services import certificate_record
from onestop.policy import calendar

from . import factories
from .cases.helpers import at
from .pdfs import pdf_text

pytestmark = pytest.mark.django_db
ALL = ["CERT", "LIVING", "NURSING", "MEDICAL", "PENSION"]
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


@pytest.fixture
def team(db):
    specs = {
        "clerk": (Role.WINDOW_CLERK, "cdpf-150702"),
        "cdpf": (Role.CDPF_REVIEWER, "cdpf-150702"),
        "township": (Role.TOWNSHIP_CIVIL, "civil-150702001"),
        "county": (Role.COUNTY_CIVIL, "civil-150702"),
        "supervisor": (Role.SUPERVISOR, "gov-150700"),
        "mzl": (Role.COUNTY_CIVIL, "civil-150781"),
        "mzl_clerk": (Role.WINDOW_CLERK, "cdpf-150781"),
    }
    return {
        k: factories.staff(f"w_{k}", role, unit, name=f"{k}员") for k, (role, unit) in specs.items()
    }


@pytest.fixture
def holder(db):
    """正阳街道, 低保, holding a certificate: the subsidies go straight to the township."""
    person = factories.person(
        "150702001", name="斯琴", birth=date(1970, 1, 1), dibao_category="urban"
    )
    certificate_record(
        actor=None, person=person, number=person.id_number + "41", issue_date=date(2024, 5, 1)
    )
    return person


def as_user(client, user):
    client.logout()
    response = client.post(
        "/accounts/login/", {"username": user.username, "password": factories.PASSWORD}
    )
    assert response.status_code == 302
    return client


def take(client, clerk, person, matters=ALL, **extra):
    as_user(client, clerk)
    page = client.get(f"/workbench/intake/{person.pk}/").content.decode()
    key = re.search(r'name="form_token" value="([^"]+)"', page).group(1)
    form = {
        "matters": matters,
        "delivery": "pickup",
        "consent_share": "on",
        "consent_sensitive": "on",
        "form_token": key,
        **extra,
    }
    return client.post(f"/workbench/intake/{person.pk}/", form)


def decide(client, user, matter, outcome="approve", **fields):
    as_user(client, user)
    step = Step.objects.get(matter=matter, status="active")
    data = {"step": step.pk, "outcome": outcome, **fields}
    confirm = client.post(f"/workbench/matters/{matter.pk}/decide/", data)
    assert confirm.status_code == 200 and "确认提交" in confirm.content.decode()
    return client.post(
        f"/workbench/matters/{matter.pk}/decide/", {**data, "confirmed": "yes"}, follow=True
    )


# --- intake --------------------------------------------------------------------------------------


def test_lookup_then_register_a_new_person_then_the_form(client, team):
    as_user(client, team["clerk"])
    number = factories.id_number("150702", date(1966, 6, 6), seq=31)
    response = client.post("/workbench/intake/", {"id_number": number})
    assert response["Location"] == "/workbench/intake/register/"
    page = client.get("/workbench/intake/register/").content.decode()
    assert number in page  # carried over, not typed twice
    bad = client.post(
        "/workbench/intake/register/",
        {
            "name": "",
            "id_number": number,
            "township": "150702001",
            "phone": "123",
            "dibao_category": "none",
            "tekun_category": "none",
        },
    )
    text = bad.content.decode()
    assert "请填写姓名" in text and "手机号码应为 11 位" in text
    ok = client.post(
        "/workbench/intake/register/",
        {
            "name": "图雅",
            "id_number": number,
            "township": "150702001",
            "phone": "13947000000",
            "dibao_category": "rural",
            "tekun_category": "none",
        },
    )
    assert ok.status_code == 302 and ok["Location"].startswith("/workbench/intake/")
    form = client.get(ok["Location"]).content.decode()
    assert "一表申请：图雅" in form and "预审结果" in form and "免提交" in form


def test_a_bad_id_number_is_refused_with_the_reason(client, team):
    as_user(client, team["clerk"])
    page = client.post("/workbench/intake/", {"id_number": "150702199003030218"}).content.decode()
    assert "校验位不正确" in page and 'aria-invalid="true"' in page


def test_the_clerk_takes_all_five_matters_and_gets_a_receipt(client, team, holder):
    response = take(client, team["clerk"], holder, paper_photo="on")
    assert response.status_code == 302, response.content.decode()[:3000]
    receipt = client.get(response["Location"]).content.decode()
    app = Application.objects.get()
    assert app.tracking_no in receipt and "受理回执" in receipt
    for label in ("残疾人证新办", "困难残疾人生活补贴", "城乡居民基本养老保险保费代缴"):
        assert label in receipt
    assert app.status == "in_progress" and app.trips == 1
    pdf = client.get(f"/workbench/applications/{app.pk}/documents/receipt/")
    assert "PDF 回执" in receipt and pdf["Content-Type"] == "application/pdf"


def test_the_form_keeps_input_and_names_the_wrong_field(client, team, holder):
    response = take(
        client,
        team["clerk"],
        holder,
        delivery="post",
        delivery_address="",
        living_reason="生活困难",
        consent_sensitive="",
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert "请确认申请人同意处理敏感个人信息" in page
    assert "生活困难" in page  # kept
    assert Application.objects.count() == 0
    response = take(client, team["clerk"], holder, delivery="post", delivery_address="")
    assert "选择邮政寄送时请填写邮寄地址" in response.content.decode()


def test_double_submission_of_the_form_makes_one_application(client, team, holder):
    as_user(client, team["clerk"])
    page = client.get(f"/workbench/intake/{holder.pk}/").content.decode()
    form = {
        "matters": ["PENSION"],
        "delivery": "pickup",
        "consent_share": "on",
        "consent_sensitive": "on",
        "form_token": re.search(r'name="form_token" value="([^"]+)"', page).group(1),
    }
    first = client.post(f"/workbench/intake/{holder.pk}/", form)
    second = client.post(f"/workbench/intake/{holder.pk}/", form)
    assert first["Location"] == second["Location"] and Application.objects.count() == 1


def test_uploads_are_checked(client, team, holder):
    from django.core.files.uploadedfile import SimpleUploadedFile

    bad = SimpleUploadedFile(
        "../../etc/passwd.png", b"not really a picture", content_type="image/png"
    )
    response = take(client, team["clerk"], holder, file_photo=bad)
    assert "不是 JPG、PNG 或 PDF 文件" in response.content.decode()
    good = SimpleUploadedFile("../../evil.png", PNG, content_type="image/png")
    response = take(client, team["clerk"], holder, file_photo=good)
    assert response.status_code == 302
    stored = Application.objects.get().materials.get(code="photo")
    assert ".." not in stored.file.name and "evil" not in stored.file.name


# --- queues and decisions --------------------------------------------------------------------------


def test_the_subsidy_chain_is_worked_from_the_queues(client, team, holder):
    take(client, team["clerk"], holder, matters=["LIVING"])
    matter = Matter.objects.get()
    for who, unit_name in (
        ("township", "正阳街道民政办"),
        ("cdpf", "海拉尔区残疾人联合会"),
        ("county", "海拉尔区民政局"),
    ):
        as_user(client, team[who])
        queue = client.get("/workbench/queue/").content.decode()
        assert Application.objects.get().tracking_no in queue, who
        assert "我的待办（1）" in queue
        page = client.get(f"/workbench/matters/{matter.pk}/").content.decode()
        assert unit_name in page and "下一步：确认" in page
        done = decide(client, team[who], matter)
        assert "已办理" in done.content.decode()
    matter.refresh_from_db()
    assert matter.status == "approved"
    as_user(client, team["county"])
    assert (
        matter.application.tracking_no in client.get("/workbench/queue/?tab=done").content.decode()
    )


def test_a_refusal_needs_its_reason_before_the_confirmation(client, team, holder):
    take(client, team["clerk"], holder, matters=["LIVING"])
    matter = Matter.objects.get()
    as_user(client, team["township"])
    step = Step.objects.get(matter=matter, status="active")
    data = {"step": step.pk, "outcome": "reject", "reason": ""}
    page = client.post(f"/workbench/matters/{matter.pk}/decide/", data)
    text = page.content.decode()
    assert page.status_code == 400 and "确认提交" not in text
    assert "请修改以下问题" in text and 'href="#id_reason">请填写理由' in text
    # A confirmation posted anyway (a stale page) is still refused by the service.
    response = client.post(f"/workbench/matters/{matter.pk}/decide/", {**data, "confirmed": "yes"})
    assert response.status_code == 400 and "请填写理由" in response.content.decode()
    assert Step.objects.get(pk=step.pk).status == "active"


def test_a_second_officer_deciding_the_same_step_gets_a_clear_message(client, team, holder):
    from django.test import Client

    take(client, team["clerk"], holder, matters=["CERT"])
    matter = Matter.objects.get()
    second = factories.staff("w_cdpf2", Role.CDPF_REVIEWER, "cdpf-150702", name="李娜")
    other = as_user(Client(), second)
    step = Step.objects.get(matter=matter, status="active")
    decide(client, team["cdpf"], matter)  # the first officer decides
    late = other.post(
        f"/workbench/matters/{matter.pk}/decide/",
        {"step": step.pk, "outcome": "approve", "confirmed": "yes"},
        follow=True,
    )
    assert "该环节已由他人办理或已变化" in late.content.decode()
    assert AuditEvent.objects.filter(action=AuditAction.STEP_DECIDE).count() == 1


def test_a_return_for_supplement_appears_at_the_window(client, team, holder):
    take(client, team["clerk"], holder, matters=["LIVING"])
    matter = Matter.objects.get()
    decide(
        client,
        team["township"],
        matter,
        outcome="return",
        missing_materials="低保证明\n户口簿复印件",
    )
    as_user(client, team["clerk"])
    window = client.get("/workbench/window/").content.decode()
    assert matter.application.tracking_no in window and "退回补正" in window
    page = client.get(f"/workbench/matters/{matter.pk}/").content.decode()
    assert "低保证明、户口簿复印件" in page
    response = client.post(f"/workbench/matters/{matter.pk}/supply/", {"paper": "on"}, follow=True)
    assert "已补正，办理计时恢复" in response.content.decode()
    matter.refresh_from_db()
    assert matter.status == "in_progress"


def test_queue_tabs_filters_and_pagination(client, team):
    for i in range(23):
        person = factories.person(
            "150702001", name=f"测试{chr(0x4E00 + i)}", birth=date(1970, 1, 1 + i)
        )
        certificate_record(
            actor=None, person=person, number=person.id_number + "41", issue_date=date(2024, 5, 1)
        )
        take(client, team["clerk"], person, matters=["LIVING"])
    as_user(client, team["township"])
    first = client.get("/workbench/queue/?tab=mine").content.decode()
    assert "共 23 件" in first and "第 1 页，共 2 页" in first
    assert (
        client.get("/workbench/queue/?tab=mine&page=2").content.decode().count('<th scope="row">')
        == 3
    )
    filtered = client.get("/workbench/queue/?tab=mine&matter=NURSING").content.decode()
    assert "共 0 件" in filtered
    assert client.get("/workbench/queue/?tab=nonsense").status_code == 404


def test_search_by_tracking_number_and_id_number(client, team, holder):
    take(client, team["clerk"], holder, matters=["LIVING"])
    app = Application.objects.get()
    as_user(client, team["township"])
    assert (
        client.post("/workbench/search/", {"q": app.tracking_no.lower()})["Location"]
        == f"/workbench/applications/{app.pk}/"
    )
    assert (
        client.post("/workbench/search/", {"q": holder.id_number})["Location"]
        == f"/workbench/applications/{app.pk}/"
    )
    miss = client.post("/workbench/search/", {"q": "1234"}).content.decode()
    assert "请输入完整的受理编号或 18 位身份证号" in miss


# --- scope -------------------------------------------------------------------------------------------


def test_a_manzhouli_officer_never_sees_hailar_work(client, team, holder):
    take(client, team["clerk"], holder, paper_photo="on")
    app = Application.objects.get()
    matter = app.matters.get(kind="LIVING")
    material = app.materials.first()
    as_user(client, team["mzl"])
    assert app.tracking_no not in client.get("/workbench/queue/").content.decode()
    for url in (
        f"/workbench/applications/{app.pk}/",
        f"/workbench/applications/{app.pk}/receipt/",
        f"/workbench/matters/{matter.pk}/",
        f"/workbench/materials/{material.pk}/",
    ):
        response = client.get(url)
        assert response.status_code == 404, url
        assert (
            holder.name not in response.content.decode()
            and app.tracking_no not in response.content.decode()
        )
    for url in (
        f"/workbench/matters/{matter.pk}/decide/",
        f"/workbench/matters/{matter.pk}/claim/",
        f"/workbench/applications/{app.pk}/reveal/",
    ):
        assert client.post(url, {"outcome": "approve"}).status_code == 404, url
    assert (
        client.post("/workbench/search/", {"q": app.tracking_no})
        .content.decode()
        .count(app.tracking_no)
        == 1
    )  # only in the box


def test_officers_see_only_the_matters_of_their_unit(client, team, holder):
    take(client, team["clerk"], holder)
    app = Application.objects.get()
    as_user(client, team["township"])
    page = client.get(f"/workbench/applications/{app.pk}/").content.decode()
    assert "困难残疾人生活补贴" in page and "城乡居民基本养老保险保费代缴" not in page
    pension = app.matters.get(kind="PENSION")
    assert client.get(f"/workbench/matters/{pension.pk}/").status_code == 404


def test_materials_open_for_those_in_scope_and_are_audited(client, team, holder):
    from django.core.files.uploadedfile import SimpleUploadedFile

    take(
        client,
        team["clerk"],
        holder,
        matters=["LIVING"],
        file_photo=SimpleUploadedFile("p.png", PNG),
    )
    material = Application.objects.get().materials.get(code="photo")
    as_user(client, team["township"])
    response = client.get(f"/workbench/materials/{material.pk}/")
    assert response.status_code == 200 and b"".join(response.streaming_content) == PNG
    assert response["Content-Type"] == "image/png"
    assert AuditEvent.objects.filter(
        action=AuditAction.MATERIAL_VIEW, actor=team["township"]
    ).exists()


# --- supervision -----------------------------------------------------------------------------------


def test_supervisor_sees_the_one_clock_and_presses(awkward_moment, client, team, holder):
    take(client, team["clerk"], holder, matters=["PENSION", "LIVING"])
    app = Application.objects.get()
    today = awkward_moment.date()
    assert {m.dispatched_on for m in app.matters.all()} == {today}
    assert app.due_date == max(m.due_date for m in app.matters.all()) > today
    left = calendar.working_days_between(today, app.due_date)
    as_user(client, team["supervisor"])
    page = client.get("/workbench/supervise/").content.decode()
    assert app.tracking_no in page and f"剩余 {left} 个工作日" in page
    matter = app.matters.get(kind="LIVING")
    response = client.post(
        f"/workbench/matters/{matter.pk}/press/", {"message": "请今天办结"}, follow=True
    )
    assert "已督办" in response.content.decode()
    as_user(client, team["township"])
    pressed = client.get("/workbench/queue/?tab=pressed").content.decode()
    assert app.tracking_no in pressed and "被督办（1）" in pressed
    assert "请今天办结" in client.get(f"/workbench/matters/{matter.pk}/").content.decode()


def test_online_applications_are_accepted_or_refused_at_the_window(client, team, holder):
    from onestop.cases.intake import application_submit

    app = application_submit(
        actor=None,
        channel="online",
        applicant=holder,
        matters=["PENSION"],
        delivery="post",
        delivery_address="正阳街道1号",
        consent_given=True,
        sensitive_consent_given=True,
    )
    as_user(client, team["clerk"])
    assert app.tracking_no in client.get("/workbench/window/").content.decode()
    response = client.post(f"/workbench/applications/{app.pk}/refuse/", {"reason": ""}, follow=True)
    assert "请填写不予受理的理由" in response.content.decode()
    response = client.post(
        f"/workbench/applications/{app.pk}/refuse/", {"reason": "材料不是本人的"}, follow=True
    )
    assert "已作不予受理" in response.content.decode()
    app.refresh_from_db()
    assert app.status == "refused" and app.refusal_reason == "材料不是本人的"


def test_the_medical_officer_sees_the_bills_and_the_amount_the_approval_records(client, team):
    from onestop.cases.acceptance import application_accept
    from onestop.cases.intake import application_submit

    person = factories.certified_person(fact="resident_medical", dibao_category="urban")
    app = application_submit(
        actor=team["clerk"],
        channel="window",
        applicant=person,
        matters=["MEDICAL"],
        delivery="pickup",
        consent_given=True,
        sensitive_consent_given=True,
        answers={"medical_bills": [{"day": "2026-10-01", "policy_self_pay": "1860.50"}]},
    )
    application_accept(actor=team["clerk"], application=app)
    matter = app.matters.get()
    proposed = matter.prescreen["amount"]
    officer = factories.staff("w_medical", Role.MEDICAL_OFFICER, "medical-150702")
    as_user(client, officer)
    page = client.get(f"/workbench/matters/{matter.pk}/").content.decode()
    bills = page[page.index('id="medical-bills"') :]
    assert "2026-10-01" in bills and "1860.50" in bills
    assert re.search(rf'name="amount"[^>]*value="{re.escape(proposed)}"', page)
    # Left empty, the approval records the rule's figure, and the confirmation says so.
    step = Step.objects.get(matter=matter, status="active")
    confirm = client.post(
        f"/workbench/matters/{matter.pk}/decide/",
        {"step": step.pk, "outcome": "approve", "amount": "", "reason": "按票据核定。"},
    ).content.decode()
    assert f"{proposed} 元（未填写，按规则计算的金额）" in confirm


def test_the_receipt_lists_only_the_materials_of_the_matters_applied_for(client, team, holder):
    from onestop.policy.materials import codes_needed_by

    response = take(client, team["clerk"], holder, matters=["MEDICAL"])
    app = Application.objects.get()
    assert response["Location"] == f"/workbench/applications/{app.pk}/receipt/"
    codes = set(app.materials.values_list("code", flat=True))
    assert codes and codes <= codes_needed_by(["MEDICAL"])


def test_the_same_intake_form_posted_twice_lands_on_the_first_receipt(client, team, holder):
    as_user(client, team["clerk"])
    page = client.get(f"/workbench/intake/{holder.pk}/").content.decode()
    key = re.search(r'name="form_token" value="([^"]+)"', page).group(1)
    form = {
        "matters": ["PENSION"],
        "delivery": "pickup",
        "consent_share": "on",
        "consent_sensitive": "on",
        "form_token": key,
    }
    first = client.post(f"/workbench/intake/{holder.pk}/", form)
    again = client.post(f"/workbench/intake/{holder.pk}/", form)  # a double click, an old tab
    assert first["Location"] == again["Location"] and Application.objects.count() == 1
    back = client.get(f"/workbench/intake/{holder.pk}/").content.decode()
    main = back[back.index("<main") :]
    assert "这份申请已经提交" in main and "<button" not in main


# --- 换证 ----------------------------------------------------------------------------------------


def test_the_window_takes_a_renewal_and_the_certificate_officer_sees_the_old_card(client, team):
    person = factories.person(
        "150702001", name="乌云", birth=date(1968, 8, 8), dibao_category="urban"
    )
    old = certificate_record(
        actor=None, person=person, number=person.id_number + "52", issue_date=date(2016, 12, 20)
    )
    with at(date(2026, 11, 2)):  # the card expires on 20 December
        as_user(client, team["clerk"])
        detail = client.get(f"/workbench/persons/{person.pk}/").content.decode()
        assert "将于 2026年12月20日 到期，可以办理换证" in detail
        assert f'href="/workbench/intake/{person.pk}/?renew=1">为乌云办理换证' in detail
        page = client.get(f"/workbench/intake/{person.pk}/").content.decode()
        assert "残疾人证需要换证" in page and old.number_masked in page
        assert old.number not in page and not re.search(r'value="CERT"[^>]*checked', page)
        ticked = client.get(f"/workbench/intake/{person.pk}/?renew=1").content.decode()
        assert re.search(r'value="CERT"[^>]*checked', ticked)
        assert "残疾人证换领" in ticked and "残疾人证新办" not in ticked
        response = take(client, team["clerk"], person, matters=["CERT"], paper_photo="on")
        receipt = client.get(response["Location"]).content.decode()
        app = Application.objects.get()
        assert "残疾人证换领" in receipt and old.number_masked in receipt
        for kind in ("receipt", "application_form"):
            pdf = client.get(f"/workbench/applications/{app.pk}/documents/{kind}/").content
            assert "残疾人证换领（原证号" in pdf_text(pdf), kind

        cert = app.matters.get()
        assert cert.renews == old
        as_user(client, team["cdpf"])
        matter_page = client.get(f"/workbench/matters/{cert.pk}/").content.decode()
        assert "<h1>残疾人证换领</h1>" in matter_page
        assert f'换证（换领）：原残疾人证号 <span class="mono">{old.number_masked}</span>' in (
            matter_page
        )
        assert old.number not in matter_page and "提交申请：残疾人证换领" in matter_page
        decide(client, team["cdpf"], cert)  # 受理
        assessment = client.get(f"/workbench/matters/{cert.pk}/").content.decode()
        assert "残疾人证换领·残联受理：通过" in assessment
    # The old card's category and level are chosen for the assessor to confirm or change.
    assert re.search(r'<option value="5" selected>', assessment)
    assert re.search(r'<option value="2" selected>', assessment)
    assert "换证：原证为智力残疾二级" in assessment
    # Refusing with a category chosen and no level: the confirmation names what was chosen.
    step = Step.objects.get(matter=cert, status="active")
    with at(date(2026, 11, 3)):
        confirm = client.post(
            f"/workbench/matters/{cert.pk}/decide/",
            {"step": step.pk, "outcome": "reject", "reason": "未到场评定", "category": "5"},
        )
    assert confirm.status_code == 200 and "类别 智力残疾，等级 " in confirm.content.decode()


def test_the_window_registers_a_mongolian_reader_whose_receipt_is_bilingual(client, team):
    from onestop.documents.models import DocumentKind
    from onestop.documents.services import document_issue, document_pdf
    from onestop.people.models import Person

    from .pdfs import pdf_text

    as_user(client, team["clerk"])
    number = factories.id_number("150702", date(1968, 8, 8), seq=32)
    client.post("/workbench/intake/", {"id_number": number})
    registered = client.post(
        "/workbench/intake/register/",
        {
            "name": "图雅",
            "name_mn": "ᠲᠤᠶᠠ",
            "language": "mn-mong",
            "id_number": number,
            "township": "150702001",
            "phone": "13947000001",
            "dibao_category": "rural",
            "tekun_category": "none",
        },
    )
    assert registered.status_code == 302
    person = Person.objects.get(name="图雅")
    assert (person.language, person.name_mn) == ("mn-mong", "ᠲᠤᠶᠠ")
    app = factories.application_accepted(team["clerk"], person, matters=["LIVING"])
    receipt = document_issue(actor=team["clerk"], kind=DocumentKind.RECEIPT, application=app)
    text = pdf_text(document_pdf(actor=team["clerk"], document=receipt))
    assert "ᠲᠤᠶᠠ" in text and "受理回执" in text  # Mongolian beside the Chinese

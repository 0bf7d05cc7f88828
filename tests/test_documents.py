"""Documents as PDFs: rendered from a real case, read back, fonts embedded, 生僻字 handled,
verification by code, and a picture of the 附件4 form compared with the seed's structure."""

import io
import re
import subprocess
from datetime import date, timedelta
from pathlib import Path

import pytest
from django.conf import settings
from pypdf import PdfReader

from onestop.accounts.roles import Role
from onestop.cases.acceptance import application_accept
from onestop.cases.chains import Outcome
from onestop.cases.intake import application_submit
from onestop.cases.models import Matter, Step
from onestop.cases.steps import Decision, step_decide
from onestop.documents import content
from onestop.documents.models import DocumentKind, IssuedDocument
from onestop.documents.services import document_issue, document_pdf
from onestop.people.services import certificate_record, guardian_add

from . import factories
from .cases.helpers import decide, submit
from .pdfs import pdf_text

pytestmark = pytest.mark.django_db
ARTIFACTS = Path(settings.BASE_DIR) / "test-artifacts"  # kept for a person to look at


@pytest.fixture
def team(db):
    roles = {
        "clerk": (Role.WINDOW_CLERK, "cdpf-150702"),
        "township": (Role.TOWNSHIP_CIVIL, "civil-150702001"),
        "cdpf": (Role.CDPF_REVIEWER, "cdpf-150702"),
        "county": (Role.COUNTY_CIVIL, "civil-150702"),
        "supervisor": (Role.SUPERVISOR, "gov-150700"),
    }
    names = {"township": "朱丽娜", "cdpf": "马晓东", "county": "王振华"}
    return {
        key: factories.staff(f"doc_{key}", role, unit, name=names.get(key, "测试员"))
        for key, (role, unit) in roles.items()
    }


def subsidy_case(team, name="其木格", needs=(), phone="13904711111", birth=date(1975, 3, 3)):
    person = factories.certified_person(
        name=name, birth=birth, dibao_category="urban", phone=phone, address="正阳街道8号"
    )
    guardian_add(
        actor=None,
        person=person,
        kind="guardian",
        name="巴特尔",
        relation="儿子",
        id_number=factories.id_number(birth=date(1995, 1, 1)),
        phone="13904744444",
        address="正阳街道9号",
    )
    app = application_submit(
        actor=team["clerk"],
        channel="window",
        applicant=person,
        representative=person.guardians.get(),
        authority_scope=["apply"],
        matters=["LIVING", "NURSING"],
        delivery="pickup",
        consent_given=True,
        sensitive_consent_given=True,
        communication_needs=list(needs),
    )
    app = application_accept(actor=team["clerk"], application=app)
    reasons = {
        "township": "申请表上述信息已经确认，符合申报条件，同意申报。",
        "cdpf": "经查，申请人残疾人证相关信息准确无误，同意申报。",
        "county": "同意发放。",
    }
    by_role = {
        Role.TOWNSHIP_CIVIL: "township",
        Role.CDPF_REVIEWER: "cdpf",
        Role.COUNTY_CIVIL: "county",
    }
    while (
        step := Step.objects.filter(matter__application=app, status="active").first()
    ) is not None:
        who = by_role[step.role]
        if step.matter.kind == "NURSING" and who == "county":
            decision = Decision(Outcome.REJECT, reason="经入户核查，不需要长期照护。")
        else:
            decision = Decision(Outcome.APPROVE, reason=reasons[who])
        step_decide(actor=team[who], step=step, decision=decision)
    app.refresh_from_db()
    return app


def embedded_fonts(pdf: bytes) -> list[tuple[str, bool]]:
    """Each font the PDF uses, and whether its program is inside the file."""
    out = []
    for page in PdfReader(io.BytesIO(pdf)).pages:
        for font in page["/Resources"]["/Font"].values():
            font = font.get_object()
            descendants = font.get("/DescendantFonts")
            target = descendants[0].get_object() if descendants else font
            descriptor = target["/FontDescriptor"].get_object()
            out.append(
                (
                    str(font["/BaseFont"]),
                    any(k in descriptor for k in ("/FontFile", "/FontFile2", "/FontFile3")),
                )
            )
    return out


def test_every_document_carries_the_name_tracking_number_and_decisions(team):
    app = subsidy_case(team)
    clerk = team["clerk"]
    living = Matter.objects.get(application=app, kind="LIVING")
    nursing = Matter.objects.get(application=app, kind="NURSING")
    rendered = {}
    for kind, matter in [
        (DocumentKind.APPLICATION_FORM, None),
        (DocumentKind.SUBSIDY_FORM, None),
        (DocumentKind.RECEIPT, None),
        (DocumentKind.RESULT, living),
        (DocumentKind.RESULT, nursing),
    ]:
        doc = document_issue(actor=clerk, kind=kind, application=app, matter=matter)
        pdf = document_pdf(actor=clerk, document=doc)
        assert pdf.startswith(b"%PDF")
        fonts = embedded_fonts(pdf)
        assert fonts and all(embedded for _, embedded in fonts), fonts
        text = pdf_text(pdf)
        assert "其木格" in text and app.tracking_no in text, kind
        assert doc.code[:4] in text  # the verification code is printed
        rendered[(kind, matter.kind if matter else "")] = text
    form = rendered[(DocumentKind.SUBSIDY_FORM, "")]
    for expected in ["同意申报", "准确无误", "同意发放", "入户核查", "朱丽娜", "马晓东", "王振华"]:
        assert expected in form, expected
    assert "准予" in rendered[(DocumentKind.RESULT, "LIVING")]
    refused = rendered[(DocumentKind.RESULT, "NURSING")]
    assert "不予批准" in refused and "入户核查" in refused
    assert "行政复议" in refused and "六个月" in refused
    application_form = rendered[(DocumentKind.APPLICATION_FORM, "")]
    assert "巴特尔" in application_form and "签字" in application_form


def test_a_refusal_is_dated_in_beijing_and_gives_the_appeal_deadline(awkward_moment, team):
    app = subsidy_case(team)
    nursing = Matter.objects.get(application=app, kind="NURSING")
    doc = document_issue(
        actor=team["clerk"], kind=DocumentKind.RESULT, application=app, matter=nursing
    )
    text = pdf_text(document_pdf(actor=team["clerk"], document=doc))
    today, deadline = awkward_moment.date(), awkward_moment.date() + timedelta(days=60)
    assert f"你于{today.year}年{today.month}月{today.day}日提交" in text
    assert f"（即{deadline.year}年{deadline.month}月{deadline.day}日前）" in text
    assert "申请行政复议" in text and "六个月内" in text


def test_full_id_numbers_only_for_roles_that_may_see_them(team):
    app = subsidy_case(team)
    number = app.applicant.id_number
    doc = document_issue(actor=team["clerk"], kind=DocumentKind.SUBSIDY_FORM, application=app)
    assert number in pdf_text(document_pdf(actor=team["clerk"], document=doc))
    seen_by_supervisor = pdf_text(document_pdf(actor=team["supervisor"], document=doc))
    assert number not in seen_by_supervisor and number[:6] in seen_by_supervisor
    assert number not in IssuedDocument.objects.get(pk=doc.pk).content_cipher


def test_a_result_is_issued_once_and_a_receipt_again_only_when_the_case_changed(team):
    app = subsidy_case(team)
    living = Matter.objects.get(application=app, kind="LIVING")
    first = document_issue(
        actor=team["clerk"], kind=DocumentKind.RESULT, application=app, matter=living
    )
    again = document_issue(
        actor=team["clerk"], kind=DocumentKind.RESULT, application=app, matter=living
    )
    assert first.pk == again.pk
    receipt = document_issue(actor=team["clerk"], kind=DocumentKind.RECEIPT, application=app)
    same = document_issue(actor=team["clerk"], kind=DocumentKind.RECEIPT, application=app)
    assert receipt.pk == same.pk


def test_a_rare_character_renders_from_the_fallback_fonts(team):
    # 䶮 (U+4DAE, Extension A) is in the full Noto face; 𪚥 (U+2A6A5, Extension B) only in HanaMin.
    app = subsidy_case(team, name="王䶮𪚥")
    doc = document_issue(actor=team["clerk"], kind=DocumentKind.RECEIPT, application=app)
    pdf = document_pdf(actor=team["clerk"], document=doc)
    assert doc.missing_glyphs == []
    assert "王䶮𪚥" in pdf_text(pdf)
    assert any("HanaMin" in name for name, _ in embedded_fonts(pdf))


def test_a_character_no_font_has_is_reported_never_dropped(team):
    app = subsidy_case(team, name="王\U00030000")  # CJK Extension G: in no installed font
    doc = document_issue(actor=team["clerk"], kind=DocumentKind.RECEIPT, application=app)
    assert doc.missing_glyphs == ["U+30000"]
    text = pdf_text(document_pdf(actor=team["clerk"], document=doc))
    assert "王〔U+30000〕" in text and "字库暂未收录" in text


def test_large_print_when_the_applicant_asked_for_it(team):
    app = subsidy_case(team, needs=["large_print"])
    doc = document_issue(actor=team["clerk"], kind=DocumentKind.RECEIPT, application=app)
    large = PdfReader(io.BytesIO(document_pdf(actor=team["clerk"], document=doc)))
    normal = PdfReader(io.BytesIO(document_pdf(actor=team["clerk"], document=doc, large=False)))

    def sizes(reader):
        data = reader.pages[0].get_contents().get_data().decode("latin-1")
        return [float(s) for s in re.findall(r"/F\d+ ([\d.]+) Tf", data)]

    body = sorted(sizes(large))[len(sizes(large)) // 2]
    assert body >= 16 > sorted(sizes(normal))[len(sizes(normal)) // 2]


def test_the_verification_page_confirms_a_genuine_code_and_refuses_others(client, team):
    app = subsidy_case(team)
    doc = document_issue(actor=team["clerk"], kind=DocumentKind.RECEIPT, application=app)
    page = client.get(f"/v/{doc.code}/")
    body = page.content.decode()
    assert page.status_code == 200 and "文书真实有效" in body
    assert app.tracking_no in body and doc.content_hash in body and doc.issuer in body
    assert "其木格" not in body and app.applicant.id_number_masked not in body
    dashed = f"{doc.code[:4]}-{doc.code[4:8]}-{doc.code[8:]}".lower()
    assert client.get(f"/v/{dashed}/").status_code == 200  # as printed, any case
    tampered = doc.code[:3] + ("0" if doc.code[3] != "0" else "1") + doc.code[4:]
    refused = client.get(f"/v/{tampered}/")
    assert refused.status_code == 404 and "验证码无效" in refused.content.decode()
    assert client.get("/v/?code=" + doc.code).status_code == 302


def test_staff_download_from_the_application_within_scope(client, team):
    app = subsidy_case(team)
    client.force_login(team["clerk"])
    response = client.get(f"/workbench/applications/{app.pk}/documents/subsidy_form/")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert "其木格" in pdf_text(response.content)
    page = client.get(f"/workbench/applications/{app.pk}/").content.decode()
    assert "申请表" in page and "附件4" in page and "护理补贴结果告知书" in page
    # 按需共享: the 乡镇 officer prints 附件4 and the subsidy results, never the whole form.
    client.force_login(team["township"])
    page = client.get(f"/workbench/applications/{app.pk}/").content.decode()
    assert "附件4" in page and "documents/application_form" not in page
    forbidden = client.get(f"/workbench/applications/{app.pk}/documents/application_form/")
    assert forbidden.status_code == 404
    assert (
        client.get(f"/workbench/applications/{app.pk}/documents/subsidy_form/").status_code == 200
    )
    client.force_login(factories.staff("doc_mzl", Role.WINDOW_CLERK, "cdpf-150781"))
    assert client.get(f"/workbench/applications/{app.pk}/documents/receipt/").status_code == 404


def poppler(tool: str, *args) -> str:
    """Debian's poppler-utils (installed by the Makefile): what a reader's software would see."""
    done = subprocess.run(  # noqa: S603 - fixed programs, arguments made by the test
        [f"/usr/bin/{tool}", *map(str, args)], check=True, capture_output=True, text=True
    )
    return done.stdout


SEED_BLOCKS = [
    "残疾人两项补贴申请审批表",
    "申请地",
    "申请人姓名",
    "身份证号",
    "残疾人证号",
    "申请人户籍地",
    "残疾等级",
    "申请补贴类别",
    "监护人信息",
    "与申请人关系",
    "居住地",
    "困难残疾人生活补贴申请理由",
    "申请人（代理人）签字",
    "苏木乡镇",  # the labels of the three opinion blocks wrap in their narrow column
    "旗县区残",
    "旗县区民",
    "此表一式三份",
]


def test_a_picture_of_the_subsidy_form_has_the_seed_forms_blocks_in_order(team, tmp_path):
    app = subsidy_case(team)
    doc = document_issue(actor=team["clerk"], kind=DocumentKind.SUBSIDY_FORM, application=app)
    pdf_path = tmp_path / "form.pdf"
    pdf_path.write_bytes(document_pdf(actor=team["clerk"], document=doc))
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    png = ARTIFACTS / "subsidy_form"
    poppler("pdftoppm", "-png", "-r", "80", "-singlefile", pdf_path, png)
    assert (ARTIFACTS / "subsidy_form.png").stat().st_size > 10_000
    # The same page as grey pixels, and where each word sits on it.
    gray = tmp_path / "form"
    poppler("pdftoppm", "-gray", "-r", "80", "-singlefile", pdf_path, gray)
    raw = (tmp_path / "form.pgm").read_bytes()
    _, dims, _, pixels = raw.split(b"\n", 3)
    width, height = map(int, dims.split())
    words = poppler("pdftotext", "-bbox", pdf_path, "-")
    boxes = [
        (float(m[1]), float(m[2]), float(m[3]), float(m[4]), m[5])
        for m in re.finditer(
            r'xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">([^<]*)<', words
        )
    ]
    scale = 80 / 72
    tops = []
    for block in SEED_BLOCKS:
        found = [b for b in boxes if block in b[4]]
        assert found, f"{block} missing from the form"
        x0, y0, x1, y1, _ = found[0]
        # Ink where the words are: the glyphs were drawn, not only the text layer.
        dark = sum(
            1
            for y in range(int(y0 * scale), min(height, int(y1 * scale) + 1))
            for x in range(int(x0 * scale), min(width, int(x1 * scale) + 1))
            if pixels[y * width + x] < 128
        )
        assert dark > 5, f"{block} is not drawn"
        tops.append(y0)
    assert tops == sorted(tops), list(zip(SEED_BLOCKS, tops, strict=True))


def test_the_applicant_downloads_their_own_receipt_and_results(client, team):
    from .test_portal import sign_in

    app = subsidy_case(team)  # the applicant's phone is 13904711111
    sign_in(client, phone="13904711111")
    page = client.get(f"/portal/applications/{app.pk}/").content.decode()
    assert "受理回执（PDF）" in page and "护理补贴结果告知书" in page
    nursing = Matter.objects.get(application=app, kind="NURSING")
    response = client.get(
        f"/portal/applications/{app.pk}/documents/result/?matter={nursing.pk}&large=1"
    )
    text = pdf_text(response.content)
    assert response.status_code == 200 and "不予批准" in text and "行政复议" in text
    assert app.applicant.id_number not in text  # masked for everyone outside the office
    assert client.get(f"/portal/applications/{app.pk}/documents/subsidy_form/").status_code == 404
    other = subsidy_case(team, name="别人", phone="13904799999", birth=date(1980, 2, 2))
    assert client.get(f"/portal/applications/{other.pk}/documents/receipt/").status_code == 404


def test_a_renewal_is_named_on_the_form_and_on_the_result_it_gives(team):
    person = factories.person("150702001", name="乌云", birth=date(1968, 8, 8), phone="")
    certificate_record(
        actor=None,
        person=person,
        number=person.id_number + "52",
        issue_date=date(2014, 3, 1),
        status="expired",
    )
    app = submit(team, person, matters=["CERT"], day=date(2026, 9, 30))
    doc = document_issue(actor=team["clerk"], kind=DocumentKind.APPLICATION_FORM, application=app)
    form = pdf_text(document_pdf(actor=team["clerk"], document=doc))
    assert "残疾人证换领（原证号" in form and "有效期至2024年3月1日）" in form
    assert "原证已过期，本次申请换领" in form and "尚未持证" not in form
    day = date(2026, 10, 12)
    decide(team["cdpf"], app, "CERT", day)  # 受理
    decide(team["cdpf"], app, "CERT", day, category=5, level=2)  # 评定
    decide(team["cdpf"], app, "CERT", day)  # 审核
    decide(team["cdpf"], app, "CERT", day)  # 发证
    cert = Matter.objects.get(application=app)
    doc = document_issue(
        actor=team["clerk"], kind=DocumentKind.RESULT, application=app, matter=cert
    )
    result = pdf_text(document_pdf(actor=team["clerk"], document=doc))
    assert "残疾人证换领结果告知书" in result and "提交的残疾人证换领申请" in result


def test_a_mongolian_readers_receipt_carries_the_mongolian_whole_and_shaped(team):
    from onestop.lang import catalog

    app = subsidy_case(team, name="其木格")
    person = app.applicant
    person.language, person.name_mn = catalog.MONGOLIAN, "ᠴᠢᠮᠡᠭ"
    person.save(update_fields=["language", "name_mn"])
    doc = document_issue(actor=team["clerk"], kind=DocumentKind.RECEIPT, application=app)
    pdf = document_pdf(actor=team["clerk"], document=doc)
    reader = PdfReader(io.BytesIO(pdf))
    mongolian = reader.pages[-1].extract_text().replace("\x00", "")
    title = catalog.shipped()["扶残助困「一件事一次办」受理回执"].text
    assert title.split()[0] in mongolian and "ᠴᠢᠮᠡᠭ" in mongolian
    words = " ".join  # the narrow space before a suffix reads back as a plain one
    assert words(mongolian.split()).count(words(title.split())) == 1  # whole, in one column
    assert "扶残助困「一件事一次办」受理回执" in pdf_text(pdf)  # the Chinese is still there
    assert any("ongolian" in name for name, _ in embedded_fonts(pdf))
    assert doc.missing_glyphs == []

    chinese_only = subsidy_case(team, name="巴特尔", phone="13904711112")
    plain = document_issue(actor=team["clerk"], kind=DocumentKind.RECEIPT, application=chinese_only)
    text = pdf_text(document_pdf(actor=team["clerk"], document=plain))
    assert not re.search("[\u1800-\u18af]", text)


@pytest.mark.parametrize(
    ("kind", "matter_kind", "title"),
    [
        (DocumentKind.APPLICATION_FORM, None, "扶残助困「一件事一次办」申请表"),
        (DocumentKind.RESULT, "LIVING", "困难残疾人生活补贴"),
        (DocumentKind.RESULT, "NURSING", "重度残疾人护理补贴"),
    ],
)
def test_a_mongolian_readers_form_and_results_carry_the_mongolian_whole(
    team, kind, matter_kind, title
):
    from onestop.lang import catalog

    app = subsidy_case(team, name="其木格")
    person = app.applicant
    person.language, person.name_mn = catalog.MONGOLIAN, "ᠴᠢᠮᠡᠭ"
    person.save(update_fields=["language", "name_mn"])
    matter = Matter.objects.get(application=app, kind=matter_kind) if matter_kind else None
    doc = document_issue(actor=team["clerk"], kind=kind, application=app, matter=matter)
    pdf = document_pdf(actor=team["clerk"], document=doc)
    mongolian = PdfReader(io.BytesIO(pdf)).pages[-1].extract_text().replace("\x00", "")
    words = " ".join  # the narrow space before a suffix reads back as a plain one
    shipped = catalog.shipped()
    expected = shipped[title].text
    assert words(expected.split()) in words(mongolian.split()), (title, mongolian)
    assert "ᠴᠢᠮᠡᠭ" in mongolian and app.tracking_no in mongolian
    if matter_kind == "NURSING":  # refused: the remedy, with its deadline, in Mongolian
        remedy = shipped[content.REMEDY].text.split("{days}")[0]
        assert words(remedy.split()[:3]) in words(mongolian.split())
    chinese = "申请表" if kind == DocumentKind.APPLICATION_FORM else "结果告知书"
    assert chinese in pdf_text(pdf)  # the Chinese stays, the text of record
    assert doc.missing_glyphs == []

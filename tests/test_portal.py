"""The applicant's portal without a browser: sign-in, applying, following, rating, lookup, security."""

import re
from datetime import UTC, date, datetime, timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from onestop.accounts.roles import Role
from onestop.cases.acceptance import application_accept
from onestop.cases.chains import Outcome
from onestop.cases.intake import application_submit
from onestop.cases.models import Application, Matter, Step
from onestop.cases.proactive import application_propose
from onestop.cases.steps import Decision, step_decide
from onestop.core import clock
from onestop.notices.models import SmsMessage
from onestop.notices.services import certificate_expiry_remind
from onestop.people.services import certificate_record, guardian_add
from onestop.portal.models import Draft, DraftFile
from onestop.ratings.services import rating_answer

from . import factories

pytestmark = pytest.mark.django_db
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
GUARDIAN_PHONE = "13904700001"


@pytest.fixture
def ward(db):
    return a_ward()


def a_ward():
    """An adult with a level-2 intellectual disability, in 低保, with his mother as guardian."""
    person = factories.person(
        "150702001", name="巴图", birth=date(1990, 4, 4), phone="", dibao_category="urban"
    )
    certificate_record(
        actor=None, person=person, number=person.id_number + "52", issue_date=date(2024, 1, 5)
    )
    guardian_add(
        actor=None,
        person=person,
        kind="guardian",
        name="其木格",
        relation="母亲",
        id_number=factories.id_number(birth=date(1965, 2, 2)),
        phone=GUARDIAN_PHONE,
    )
    return person


def last_code(phone) -> str:
    return re.search(
        r"(\d{6})", SmsMessage.objects.filter(phone=phone).order_by("-pk").first().text
    ).group(1)


def sign_in(client, phone=GUARDIAN_PHONE):
    assert client.post("/portal/sign-in/", {"phone": phone})["Location"] == "/portal/sign-in/code/"
    response = client.post("/portal/sign-in/code/", {"code": last_code(phone)})
    assert response.status_code == 302, response.content.decode()
    return client


def apply(client, person, matters=("LIVING", "NURSING", "PENSION"), upload=None):
    client.post(f"/portal/apply/{person.pk}/matters/", {"matters": list(matters)})
    details = {"living_reason": "家里困难"}
    if upload is not None:
        details["file_photo"] = upload
    client.post(f"/portal/apply/{person.pk}/details/", details)
    client.post(
        f"/portal/apply/{person.pk}/delivery/",
        {"delivery": "post", "delivery_address": "正阳街道8号"},
    )
    return client.post(
        f"/portal/apply/{person.pk}/confirm/",
        {"consent_share": "on", "consent_sensitive": "on", "form_token": token(client, person)},
    )


def token(client, person) -> str:
    page = client.get(f"/portal/apply/{person.pk}/confirm/").content.decode()
    return page.split('name="form_token" value="')[1].split('"')[0]


# --- sign-in and codes ---------------------------------------------------------------------------------


def test_a_guardian_signs_in_and_sees_whom_they_act_for(client, ward):
    sign_in(client)
    page = client.get("/portal/me/").content.decode()
    assert "为巴图申请" in page and "139****0001" in page


def test_codes_are_single_use(client, ward):
    client.post("/portal/sign-in/", {"phone": GUARDIAN_PHONE})
    code = last_code(GUARDIAN_PHONE)
    assert client.post("/portal/sign-in/code/", {"code": code}).status_code == 302
    other = Client()
    other.post("/portal/sign-in/", {"phone": GUARDIAN_PHONE}, REMOTE_ADDR="10.0.0.9")
    # The number may ask once a minute: the second request is refused and no new code is sent.
    assert SmsMessage.objects.count() == 1
    other.session["sign_in_phone"] = GUARDIAN_PHONE
    from onestop.portal import services

    with pytest.raises(services.PortalError, match="请先获取验证码"):
        services.code_verify(phone=GUARDIAN_PHONE, purpose="sign_in", code=code)


def test_codes_expire_and_the_expiry_is_announced(client, ward):
    start = datetime(2026, 11, 2, 2, tzinfo=UTC)
    with clock.frozen(start):
        page = client.post(
            "/portal/sign-in/", {"phone": GUARDIAN_PHONE}, follow=True
        ).content.decode()
    assert "5 分钟内有效" in page and "重新获取验证码" in page
    with clock.frozen(start + timedelta(minutes=6)):
        response = client.post("/portal/sign-in/code/", {"code": last_code(GUARDIAN_PHONE)})
    assert "验证码已过期，请重新获取" in response.content.decode()


def test_five_wrong_codes_end_the_code(client, ward):
    client.post("/portal/sign-in/", {"phone": GUARDIAN_PHONE})
    code = last_code(GUARDIAN_PHONE)
    wrong = "000000" if code != "000000" else "111111"
    for _ in range(4):
        assert (
            "验证码不正确" in client.post("/portal/sign-in/code/", {"code": wrong}).content.decode()
        )
    assert "已失效" in client.post("/portal/sign-in/code/", {"code": wrong}).content.decode()
    assert "请先获取验证码" in client.post("/portal/sign-in/code/", {"code": code}).content.decode()


def test_code_requests_are_rate_limited_per_number_and_per_address(client, ward, settings):
    settings.SMS_PER_IP_HOUR = 2
    start = datetime(2026, 11, 2, 2, tzinfo=UTC)
    for i, phone in enumerate(["13904700002", "13904700003", "13904700004"]):
        with clock.frozen(start + timedelta(seconds=20 * i)):
            page = client.post(
                "/portal/sign-in/", {"phone": phone}, REMOTE_ADDR="10.7.7.7", follow=True
            ).content.decode()
    assert "获取验证码次数太多" in page
    assert SmsMessage.objects.count() == 2
    with clock.frozen(start + timedelta(seconds=50)):  # 30 seconds after 0003's code
        page = client.post(
            "/portal/sign-in/", {"phone": "13904700003"}, REMOTE_ADDR="10.7.7.8"
        ).content.decode()
    assert "请 1 分钟后再" in page


def test_signing_in_gives_a_new_session_id(client, ward):
    client.get("/portal/")
    client.post("/portal/sign-in/", {"phone": GUARDIAN_PHONE})
    before = client.session.session_key
    client.post("/portal/sign-in/code/", {"code": last_code(GUARDIAN_PHONE)})
    assert client.session.session_key != before


# --- applying and following ------------------------------------------------------------------------


def test_apply_as_guardian_with_save_and_continue(client, ward):
    sign_in(client)
    client.post(
        f"/portal/apply/{ward.pk}/matters/",
        {"matters": ["LIVING", "NURSING", "PENSION"], "save": "1"},
    )
    assert Draft.objects.get().data["matters"] == ["LIVING", "NURSING", "PENSION"]
    assert "接着为巴图填写" in client.get("/portal/me/").content.decode()
    page = client.get(f"/portal/apply/{ward.pk}/matters/").content.decode()
    assert 'value="LIVING" checked' in page.replace("\n", " ") or "checked" in page
    response = apply(client, ward, upload=SimpleUploadedFile("照片.png", PNG))
    app = Application.objects.get()
    assert response["Location"] == f"/portal/applications/{app.pk}/"
    assert app.channel == "online" and app.status == "submitted" and app.trips == 0
    assert app.representative.name == "其木格" and set(app.authority_scope) == {
        "apply",
        "receive",
        "rate",
    }
    assert sorted(app.matters.values_list("kind", flat=True)) == ["LIVING", "NURSING", "PENSION"]
    assert app.materials.get(code="photo").content_type == "image/png"
    page = client.get(response["Location"]).content.decode()
    assert app.tracking_no in page and "窗口受理后开始计时" in page
    assert not Draft.objects.exists()


@pytest.mark.parametrize(
    ("upload", "words"),
    [
        (SimpleUploadedFile("x.exe", b"MZ\x90\x00binary"), "不是 JPG、PNG 或 PDF 文件"),
        (SimpleUploadedFile("big.pdf", b"%PDF-" + b"0" * (10 * 1024 * 1024)), "超过 10 MB"),
    ],
)
def test_uploads_of_the_wrong_kind_or_size_are_refused_at_their_step(client, ward, upload, words):
    sign_in(client)
    client.post(f"/portal/apply/{ward.pk}/matters/", {"matters": ["LIVING"]})
    response = client.post(f"/portal/apply/{ward.pk}/details/", {"file_photo": upload})
    page = response.content.decode()
    assert response.status_code == 200 and "请修改以下问题" in page
    assert f'href="#id_file_photo">近期一寸免冠彩色照片：“{upload.name}”{words}' in page
    assert not DraftFile.objects.exists() and Application.objects.count() == 0


def test_what_was_typed_beside_a_refused_file_is_kept(client, ward):
    sign_in(client)
    client.post(f"/portal/apply/{ward.pk}/matters/", {"matters": ["LIVING"]})
    bad = SimpleUploadedFile("x.exe", b"MZ\x90\x00binary")
    client.post(
        f"/portal/apply/{ward.pk}/details/", {"living_reason": "父母年迈", "file_photo": bad}
    )
    page = client.get(f"/portal/apply/{ward.pk}/details/").content.decode()
    assert "父母年迈" in page  # the file is asked for again, the words are not


def test_an_upload_name_with_path_tricks_is_never_used(client, ward):
    sign_in(client)
    apply(client, ward, upload=SimpleUploadedFile("../../../onestop/settings.py.png", PNG))
    stored = Application.objects.get().materials.get(code="photo")
    assert ".." not in stored.file.name and "settings" not in stored.file.name


def test_another_persons_application_is_never_visible(client, ward):
    stranger = factories.person(
        "150702001", name="陌生人", birth=date(1980, 1, 1), phone="13904709999"
    )
    app = application_submit(
        actor=None,
        channel="online",
        applicant=stranger,
        matters=["CERT"],
        delivery="pickup",
        consent_given=True,
        sensitive_consent_given=True,
    )
    sign_in(client)
    assert app.tracking_no not in client.get("/portal/me/").content.decode()
    for url in (
        f"/portal/applications/{app.pk}/",
        f"/portal/applications/{app.pk}/withdraw/",
        f"/portal/apply/{stranger.pk}/matters/",
    ):
        response = client.get(url)
        assert response.status_code == 404, url
        assert "陌生人" not in response.content.decode()
    assert client.post(f"/portal/applications/{app.pk}/withdraw/").status_code == 404
    app.refresh_from_db()
    assert app.status == "submitted"


def _accept(app):
    clerk = factories.staff("p_clerk", Role.WINDOW_CLERK, "cdpf-150702")
    return application_accept(actor=clerk, application=app)


def test_answering_a_supplement_online_restarts_the_clock(client, ward):
    sign_in(client)
    apply(client, ward, matters=("LIVING",))
    app = _accept(Application.objects.get())
    township = factories.staff("p_town", Role.TOWNSHIP_CIVIL, "civil-150702001")
    step = Step.objects.get(matter__application=app, status="active")
    step_decide(
        actor=township,
        step=step,
        decision=Decision(Outcome.RETURN, missing_materials=("低保证明",)),
    )
    page = client.get(f"/portal/applications/{app.pk}/").content.decode()
    assert "需要补交：低保证明" in page
    matter = app.matters.get()
    response = client.post(
        f"/portal/applications/{app.pk}/supply/{matter.pk}/",
        {"file": SimpleUploadedFile("证明.jpg", b"\xff\xd8\xff\xe0" + b"0" * 50)},
        follow=True,
    )
    assert "材料已补交，办理接着计时" in response.content.decode()
    matter.refresh_from_db()
    assert matter.status == "in_progress"
    assert app.materials.filter(code="supplement").count() == 1


def test_withdrawal_asks_first_and_only_before_a_decision(client, ward):
    sign_in(client)
    apply(client, ward, matters=("PENSION",))
    app = Application.objects.get()
    assert "确定撤回" in client.get(f"/portal/applications/{app.pk}/withdraw/").content.decode()
    client.post(f"/portal/applications/{app.pk}/withdraw/", {"reason": "不需要了"})
    app.refresh_from_db()
    assert app.status == "withdrawn"


def test_a_proactive_application_is_confirmed_online(client, ward):
    from onestop.policy.models import ProactiveFinding
    from onestop.policy.services import proactive_scan

    proactive_scan(day=date(2026, 11, 2))
    finding = ProactiveFinding.objects.filter(person=ward).first()
    app = application_propose(finding=finding)
    sign_in(client)
    page = client.get(f"/portal/applications/{app.pk}/").content.decode()
    assert "确认办理（免申即享）" in page
    response = client.post(
        f"/portal/applications/{app.pk}/confirm/",
        {
            "delivery": "post",
            "delivery_address": "正阳街道8号",
            "consent_share": "on",
            "consent_sensitive": "on",
        },
        follow=True,
    )
    assert "已确认，开始办理" in response.content.decode()
    app.refresh_from_db()
    assert app.status == "in_progress" and app.trips == 0


def test_decisions_ratings_and_the_answer_to_a_bad_rating(client, ward):
    sign_in(client)
    apply(client, ward, matters=("PENSION",))
    app = _accept(Application.objects.get())
    hrss = factories.staff("p_hrss", Role.HRSS_OFFICER, "hrss-150702")
    for _ in range(2):
        step_decide(
            actor=hrss,
            step=Step.objects.get(matter__application=app, status="active"),
            decision=Decision(Outcome.APPROVE),
        )
    page = client.get(f"/portal/applications/{app.pk}/").content.decode()
    assert "已批准" in page and "给这次办事打个分" in page
    matter = Matter.objects.get(application=app)
    client.post(f"/portal/applications/{app.pk}/rate/", {"matter": matter.pk, "level": "5"})
    response = client.post(
        f"/portal/applications/{app.pk}/rate/", {"level": "1", "comment": "电话打不通"}, follow=True
    )
    assert "我们会尽快联系您并整改" in response.content.decode()
    again = client.post(f"/portal/applications/{app.pk}/rate/", {"level": "5"}, follow=True)
    assert "已经评价过了" in again.content.decode()
    bad = app.ratings.get(matter__isnull=True)
    supervisor = factories.staff("p_sup", Role.SUPERVISOR, "gov-150700")
    rating_answer(
        actor=supervisor,
        rating=bad,
        answer="已回访，窗口电话已增设专人接听。",
        rectify_by=date(2026, 12, 15),
    )
    page = client.get(f"/portal/applications/{app.pk}/").content.decode()
    assert "已回访，窗口电话已增设专人接听" in page and "2026年12月15日" in page
    client.post(f"/portal/applications/{app.pk}/ratings/{bad.pk}/", {"level": "4"})
    bad.refresh_from_db()
    assert bad.rectification_level == 4


# --- lookup without an account ------------------------------------------------------------------------


def test_status_lookup_needs_number_last_six_and_a_code(client, ward):
    ward.phone = "13904700077"
    ward.save()
    app = application_submit(
        actor=None,
        channel="online",
        applicant=ward,
        matters=["PENSION"],
        delivery="pickup",
        consent_given=True,
        sensitive_consent_given=True,
    )
    # Wrong last six: the same answer, and no text message is sent.
    response = client.post(
        "/portal/lookup/", {"tracking_no": app.tracking_no, "id_last6": "000000"}, follow=True
    )
    assert "如果填的信息正确" in response.content.decode()
    assert not SmsMessage.objects.exists()
    assert "信息不匹配" in client.post("/portal/lookup/code/", {"code": "123456"}).content.decode()
    client.post(
        "/portal/lookup/", {"tracking_no": app.tracking_no.lower(), "id_last6": ward.id_number[-6:]}
    )
    assert SmsMessage.objects.get().phone == "13904700077"
    response = client.post("/portal/lookup/code/", {"code": last_code("13904700077")}, follow=True)
    page = response.content.decode()
    assert app.tracking_no in page and "城乡居民基本养老保险保费代缴" in page
    assert "不想办了？撤回申请" not in page and "提交评价" not in page  # read-only


def test_lookups_are_rate_limited(client, ward):
    for _ in range(11):
        response = client.post(
            "/portal/lookup/",
            {"tracking_no": "261129-0000-0000", "id_last6": "123456"},
            REMOTE_ADDR="10.3.3.3",
            follow=True,
        )
    assert "查询次数太多" in response.content.decode()


# --- every form is protected and every page is reachable --------------------------------------------


def test_every_portal_form_refuses_a_post_without_the_csrf_token(ward):
    strict = Client(enforce_csrf_checks=True)
    app = application_submit(
        actor=None,
        channel="online",
        applicant=ward,
        matters=["PENSION"],
        delivery="pickup",
        consent_given=True,
        sensitive_consent_given=True,
    )
    for url in [
        "/portal/check/",
        "/portal/sign-in/",
        "/portal/sign-in/code/",
        "/portal/lookup/",
        "/portal/lookup/code/",
        "/portal/elder/",
        "/portal/sign-out/",
        f"/portal/apply/{ward.pk}/matters/",
        f"/portal/applications/{app.pk}/withdraw/",
        f"/portal/applications/{app.pk}/rate/",
        f"/portal/applications/{app.pk}/confirm/",
    ]:
        assert strict.post(url, {}).status_code == 403, url


def test_elder_mode_is_remembered(client):
    response = client.post("/portal/elder/", {"next": "/portal/check/"})
    assert response["Location"] == "/portal/check/"
    assert 'class="portal elder"' in client.get("/portal/check/").content.decode()
    client.post("/portal/elder/", {"next": "https://evil.example/"})
    assert 'class="portal"' in client.get("/portal/").content.decode()


def test_check_first_tells_what_to_apply_for_and_what_to_bring(client):
    response = client.post(
        "/portal/check/",
        {
            "county": "150702",
            "birth_date": "1990-04-04",
            "has_certificate": "yes",
            "category": "5",
            "level": "2",
            "dibao": "urban",
            "tekun": "no",
            "long_term_care": "yes",
            "resident_medical": "yes",
            "employee_pension": "no",
            "student": "no",
        },
    )
    page = response.content.decode()
    assert '重度残疾人护理补贴：<span class="outcome-eligible">可以申请' in page
    assert "居民身份证：<strong>不用带</strong>" in page
    bad = client.post("/portal/check/", {"county": "", "birth_date": "1990-02-30"}).content.decode()
    assert "请填写户口在哪个旗县" in bad and "请修改以下问题" in bad


def test_the_status_page_shows_each_change_and_never_another_visitors_page(client, ward):
    ward.phone = "13904700078"
    ward.save()
    app = application_submit(
        actor=None,
        channel="online",
        applicant=ward,
        matters=["PENSION"],
        delivery="pickup",
        consent_given=True,
        sensitive_consent_given=True,
    )
    client.get("/portal/")  # the browser has its CSRF cookie, as after any first page
    client.post(
        "/portal/lookup/", {"tracking_no": app.tracking_no, "id_last6": ward.id_number[-6:]}
    )
    client.post("/portal/lookup/code/", {"code": last_code("13904700078")})
    assert "窗口受理后开始计时" in client.get("/portal/lookup/status/").content.decode()
    assert "窗口受理后开始计时" in client.get("/portal/lookup/status/").content.decode()  # cached
    _accept(app)
    page = client.get("/portal/lookup/status/").content.decode()
    assert "正在由海拉尔区人力资源和社会保障局办理" in page
    stranger = Client()
    stranger.get("/portal/")
    assert stranger.get("/portal/lookup/status/")["Location"] == "/portal/lookup/"


def test_applying_online_for_a_matter_already_open_says_so_with_a_link(client, ward):
    sign_in(client)
    open_app = application_submit(
        actor=None,
        channel="online",
        applicant=ward,
        matters=["PENSION"],
        delivery="pickup",
        consent_given=True,
        sensitive_consent_given=True,
    )
    # Said at step 1, where the matter is ticked, not four steps later at the submit.
    response = client.post(f"/portal/apply/{ward.pk}/matters/", {"matters": ["PENSION", "LIVING"]})
    assert response.status_code == 200
    page = response.content.decode()
    assert f"已有在办申请（受理编号 {open_app.tracking_no}）" in page
    assert f'href="/portal/applications/{open_app.pk}/"' in page
    assert not Draft.objects.filter(person=ward).exists()  # nothing kept of the refused choice
    assert Application.objects.count() == 1


def test_step_two_asks_only_for_the_reasons_of_the_subsidies_chosen(client, ward):
    sign_in(client)
    client.post(f"/portal/apply/{ward.pk}/matters/", {"matters": ["LIVING", "MEDICAL"]})
    page = client.get(f"/portal/apply/{ward.pk}/details/").content.decode()
    assert "为什么申请生活补贴" in page and "为什么申请护理补贴" not in page


# --- 换证 ---------------------------------------------------------------------------------------------


def test_a_holder_whose_card_is_about_to_expire_applies_for_换证_in_the_one_form(client, ward):
    holder = factories.person(
        "150702001", name="乌兰", birth=date(1972, 7, 7), phone="13904700099", address="正阳街道9号"
    )
    old = certificate_record(
        actor=None, person=holder, number=holder.id_number + "41", issue_date=date(2016, 12, 20)
    )
    with clock.frozen(datetime(2026, 11, 2, 2, tzinfo=UTC)):  # the card expires on 20 December
        certificate_expiry_remind(today=date(2026, 11, 2))
        sign_in(client, "13904700099")
        me = client.get("/portal/me/").content.decode()
        assert "乌兰的残疾人证将于 2026年12月20日 到期" in me
        offer = f'href="/portal/apply/{holder.pk}/?renew=1">为乌兰申请换证</a>'
        assert offer in me
        assert offer in client.get("/portal/inbox/").content.decode()

        form = client.get(f"/portal/apply/{holder.pk}/?renew=1").content.decode()
        assert re.search(r'value="CERT"[^>]*checked', form)
        assert "残疾人证换领" in form and "残疾人证新办" not in form
        assert old.number_masked in form and old.number not in form
        plain = client.get(f"/portal/apply/{holder.pk}/").content.decode()
        assert not re.search(r'value="CERT"[^>]*checked', plain)  # offered, not ticked

        client.post(f"/portal/apply/{holder.pk}/matters/", {"matters": ["CERT"]})
        client.post(f"/portal/apply/{holder.pk}/details/", {})
        delivery = client.get(f"/portal/apply/{holder.pk}/delivery/").content.decode()
        assert 'value="正阳街道9号"' in delivery  # the person's data, filled in
        client.post(
            f"/portal/apply/{holder.pk}/delivery/",
            {"delivery": "post", "delivery_address": "正阳街道9号"},
        )
        confirm = client.get(f"/portal/apply/{holder.pk}/confirm/").content.decode()
        assert "<dt>办理事项</dt><dd>残疾人证换领</dd>" in confirm
        client.post(
            f"/portal/apply/{holder.pk}/confirm/",
            {"consent_share": "on", "consent_sensitive": "on", "form_token": token(client, holder)},
        )
        app = Application.objects.get(applicant=holder)
        assert app.matters.get().renews == old
        assert "残疾人证换领" in client.get(f"/portal/applications/{app.pk}/").content.decode()
        # Applied: the page no longer offers it, and the reminder's link says it is under way.
        assert "申请换证" not in client.get("/portal/me/").content.decode()
        again = client.get(f"/portal/apply/{holder.pk}/?renew=1").content.decode()
        assert "已有在办申请" in again and "残疾人证换领" in again
        assert not re.search(r'value="CERT"[^>]*checked', again)


def test_no_换证_is_offered_for_a_card_valid_for_longer(client, ward):
    sign_in(client)
    assert "申请换证" not in client.get("/portal/me/").content.decode()
    page = client.get(f"/portal/apply/{ward.pk}/?renew=1").content.decode()
    assert "巴图现在没有需要换证的残疾人证" in page
    assert not re.search(r'value="CERT"[^>]*checked', page)

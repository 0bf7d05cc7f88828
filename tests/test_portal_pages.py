"""The portal's public pages: 服务指南 from the platform's own chains and materials, the county
咨询电话, and error pages in the portal's own frame."""

import pytest

from onestop.audit.models import AuditAction, AuditEvent
from onestop.cases.chains import DEFAULT_CHAINS
from onestop.cases.intake import application_submit
from onestop.policy.matters import Matter
from onestop.regions.models import OrgUnit
from onestop.regions.services import hotline_for, unit_hotline_set

from .test_portal import sign_in, ward  # noqa: F401 - the applicant and their guardian

pytestmark = pytest.mark.django_db


def text(response) -> str:
    return response.content.decode()


def test_each_guide_says_who_decides_in_how_many_days_and_what_to_bring(client):
    for matter in Matter:
        page = text(client.get(f"/portal/guide/{matter.lower()}/"))
        assert f"服务指南：{matter.label}" in page
        assert f"{DEFAULT_CHAINS[matter].days} 个工作日内办结" in page
        for step in DEFAULT_CHAINS[matter].steps:
            assert step.name in page
    living = text(client.get("/portal/guide/living/"))
    bring, spared = living.split("不用带的材料")
    assert "本人社会保障卡或银行账户" in bring and "居民身份证" not in bring
    assert "居民身份证：通过电子证照共享获取" in spared
    assert client.get("/portal/guide/nothing/").status_code == 404


def test_the_home_page_links_every_guide_and_names_the_hotline(client):
    page = text(client.get("/portal/"))
    for matter in Matter:
        assert f'href="/portal/guide/{matter.lower()}/"' in page
    assert "主办单位" in page and "承办单位" in page
    assert 'href="tel:12345"' in page
    assert 'href="/portal/accessibility/"' in page


def test_a_county_hotline_replaces_the_default_and_is_audited():
    assert hotline_for("150702001").number == "12345"
    unit = OrgUnit.objects.get(code="cdpf-150702")
    unit_hotline_set(actor=None, unit=unit, hotline=" 0470-1234567 ")
    found = hotline_for("150702001")
    assert found.number == "0470-1234567" and found.who.startswith("海拉尔区")
    assert hotline_for("150781").number == "12345"  # 满洲里 gave none
    event = AuditEvent.objects.get(action=AuditAction.UNIT_HOTLINE_SET)
    assert event.detail["after"] == "0470-1234567"


def test_the_hotlines_page_lists_only_counties_with_their_own_number(client):
    unit_hotline_set(
        actor=None, unit=OrgUnit.objects.get(code="cdpf-150702"), hotline="0470-1234567"
    )
    page = text(client.get("/portal/hotlines/"))
    assert "海拉尔区" in page and "0470-1234567" in page and "满洲里市" not in page


def test_public_errors_use_the_portal_frame_and_staff_errors_the_workbench(
    client, login, hlr_civil
):
    public = client.get("/portal/applications/1/nothing/")
    assert public.status_code == 404
    assert "/workbench/" not in text(public) and "管辖范围" not in text(public)
    assert "回到首页" in text(public)
    login(hlr_civil)
    staff = client.get("/workbench/matters/999999/")
    assert staff.status_code == 404 and "管辖范围" in text(staff)


def test_the_application_page_gives_the_applicants_county_hotline(
    client,
    hlr_clerk,
    ward,  # noqa: F811 - the fixture imported above
):
    unit_hotline_set(
        actor=None, unit=OrgUnit.objects.get(code="cdpf-150702"), hotline="0470-1234567"
    )
    app = application_submit(
        actor=hlr_clerk,
        channel="window",
        applicant=ward,
        matters=["LIVING"],
        delivery="pickup",
        consent_given=True,
        sensitive_consent_given=True,
    )
    page = text(sign_in(client).get(f"/portal/applications/{app.pk}/"))
    assert 'href="tel:0470-1234567"' in page and "海拉尔区扶残助困" in page


def test_the_set_hotline_command_sets_a_county_and_refuses_a_township():
    from django.core.management import CommandError, call_command

    call_command("set_hotline", "150781", "0470-6200999")
    assert hotline_for("150781").number == "0470-6200999"
    with pytest.raises(CommandError):
        call_command("set_hotline", "150702001", "0470-1")

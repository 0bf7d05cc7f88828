"""按需共享 of materials: each officer opens only the materials of the matters their unit works on;
the window and the supervisor see them all; every opening is audited."""

from datetime import date

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from onestop.accounts.roles import Role
from onestop.audit.models import AuditAction, AuditEvent
from onestop.cases.acceptance import application_accept
from onestop.cases.intake import application_submit
from onestop.cases.materials import MaterialIn, matter_attach
from onestop.cases.models import MaterialSource, Matter
from onestop.cases.selectors import materials_visible_to
from onestop.policy.materials import CATALOGUE

from . import factories
from .test_workbench import ALL, PNG, as_user, decide

pytestmark = pytest.mark.django_db

REPRESENTATION = {"guardian_id", "authorization"}
# The specification: who needs which material (附件 lists of the five matters).
CERT = {"id_card", "hukou_book", "joint_form", "photo", "assessment"}
LIVING = {"id_card", "hukou_book", "certificate", "joint_form", "subsidy_form", "photo"}
LIVING |= {"dibao_proof", "bank_account"}
NURSING = LIVING - {"dibao_proof"} | {"care_proof"}
MEDICAL = {"id_card", "joint_form", "medical_bills", "settlement", "diagnosis", "bank_account"}
PENSION = {"id_card", "hukou_book", "certificate", "joint_form"}
EVERYTHING = set(CATALOGUE) | {"supplement", "notice"}
# What each role opens in the case below: the 生活补贴 has passed the township and the 残联 (its
# second step) and is at the county; the 护理补贴 is still at the township; the 残联's supplement
# and the 医保's own document stay with their matters.
EXPECTED = {
    "clerk": EVERYTHING,
    "supervisor": EVERYTHING,
    "cdpf": CERT | LIVING | REPRESENTATION | {"supplement"},
    "township": LIVING | NURSING | REPRESENTATION,
    "county": LIVING | REPRESENTATION,
    "medical": MEDICAL | REPRESENTATION | {"notice"},
    "hrss": PENSION | REPRESENTATION,
}


def _png(label: str) -> bytes:
    return PNG + label.encode()  # a distinct file per material


@pytest.fixture
def case(db):
    """All five matters for a 低保 holder of a certificate, a file for every material on the
    list, and the 医保's own document on its matter."""
    specs = {
        "clerk": (Role.WINDOW_CLERK, "cdpf-150702"),
        "supervisor": (Role.SUPERVISOR, "gov-150700"),
        "cdpf": (Role.CDPF_REVIEWER, "cdpf-150702"),
        "township": (Role.TOWNSHIP_CIVIL, "civil-150702001"),
        "county": (Role.COUNTY_CIVIL, "civil-150702"),
        "medical": (Role.MEDICAL_OFFICER, "medical-150702"),
        "hrss": (Role.HRSS_OFFICER, "hrss-150702"),
        "mzl": (Role.COUNTY_CIVIL, "civil-150781"),
    }
    team = {k: factories.staff(f"m_{k}", role, unit) for k, (role, unit) in specs.items()}
    holder = factories.certified_person(birth=date(1970, 1, 1), dibao_category="urban")
    app = application_submit(
        actor=team["clerk"],
        channel="window",
        applicant=holder,
        matters=ALL,
        delivery="pickup",
        consent_given=True,
        sensitive_consent_given=True,
        materials=[
            MaterialIn(code, MaterialSource.UPLOAD, content=_png(code), filename=f"{code}.png")
            for code in CATALOGUE
        ],
    )
    application_accept(actor=team["clerk"], application=app)
    matters = {m.kind: m for m in app.matters.all()}
    matter_attach(
        actor=team["medical"],
        matter=matters["MEDICAL"],
        material=MaterialIn("notice", content=_png("notice"), filename="notice.png"),
    )
    return app, matters, team


def _by_code(app):
    return {m.code: m for m in app.materials.all()}


def test_each_role_opens_exactly_the_materials_of_its_matters(client, case):
    """With a supplement for the certificate, and the 生活补贴 moved on to the county."""
    app, matters, team = case
    decide(client, team["cdpf"], matters["CERT"], outcome="return", missing_materials="照片")
    as_user(client, team["clerk"])
    supplied = client.post(
        f"/workbench/matters/{matters['CERT'].pk}/supply/",
        {"file": SimpleUploadedFile("s.png", _png("supplement"))},
    )
    assert supplied.status_code == 302
    decide(client, team["township"], matters["LIVING"])
    decide(client, team["cdpf"], matters["LIVING"])
    assert (
        Matter.objects.get(pk=matters["LIVING"].pk)
        .steps.filter(unit__code="civil-150702", status="active")
        .exists()
    )
    materials = _by_code(app)
    assert set(materials) == EVERYTHING

    for who, allowed in EXPECTED.items():
        user = team[who]
        as_user(client, user)
        for code, item in materials.items():
            response = client.get(f"/workbench/materials/{item.pk}/")
            opened = AuditEvent.objects.filter(
                action=AuditAction.MATERIAL_VIEW, actor=user, detail__material=item.pk
            )
            if code in allowed:
                assert response.status_code == 200, (who, code)
                assert b"".join(response.streaming_content) == _png(code)
                assert opened.count() == 1, (who, code)
            else:
                assert response.status_code == 403, (who, code)
                assert "该材料仅供办理相关事项的部门查看" in response.content.decode()
                assert not opened.exists(), (who, code)
        assert {m.code for m in materials_visible_to(user, app)} == allowed, who


def test_the_application_page_links_only_what_the_officer_may_open(client, case):
    app, _, team = case
    materials = _by_code(app)
    as_user(client, team["medical"])
    page = client.get(f"/workbench/applications/{app.pk}/").content.decode()
    for code, item in materials.items():
        link = f"/workbench/materials/{item.pk}/"
        assert (link in page) == (code in EXPECTED["medical"]), code
    assert "残疾评定" not in page and "居民户口簿" not in page
    hidden = len(materials) - len(EXPECTED["medical"])
    assert f"另有 {hidden} 份材料属于其他部门办理的事项，仅供相关部门查看" in page

    as_user(client, team["clerk"])
    page = client.get(f"/workbench/applications/{app.pk}/").content.decode()
    assert all(f"/workbench/materials/{m.pk}/" in page for m in materials.values())
    assert "仅供相关部门查看" not in page


def test_the_matter_page_lists_that_matters_materials(client, case):
    app, matters, team = case
    materials = _by_code(app)
    for who, kind, codes in (
        ("hrss", "PENSION", PENSION | REPRESENTATION),
        ("clerk", "MEDICAL", MEDICAL | REPRESENTATION | {"notice"}),
    ):
        as_user(client, team[who])
        page = client.get(f"/workbench/matters/{matters[kind].pk}/").content.decode()
        for code, item in materials.items():
            assert (f"/workbench/materials/{item.pk}/" in page) == (code in codes), (who, code)


def test_an_officer_of_another_county_gets_nothing(client, case):
    app, _, team = case
    as_user(client, team["mzl"])
    for item in app.materials.all():
        assert client.get(f"/workbench/materials/{item.pk}/").status_code == 404

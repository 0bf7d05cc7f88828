"""Chains per region and version: overrides, pinning, refusals, and the admin."""

from datetime import date

import pytest

from onestop.audit.models import AuditAction, AuditEvent
from onestop.cases.chain_versions import chain_for, chain_version_create
from onestop.cases.chains import DEFAULT_CHAINS
from onestop.cases.models import ChainVersion
from onestop.people.services import certificate_record
from onestop.regions.models import Region

from .. import factories
from .helpers import active, decide, matter, submit

pytestmark = pytest.mark.django_db


def test_chain_override_per_region_and_version_pinning(staff, applicant):
    certificate_record(
        actor=None, person=applicant, number=applicant.id_number + "41", issue_date=date(2025, 1, 1)
    )
    old = submit(staff, applicant, matters=["PENSION"], day=date(2026, 11, 2))
    hailar = Region.objects.get(code="150702")
    custom = DEFAULT_CHAINS["PENSION"].to_json()
    custom["steps"][0]["days"] = 1
    custom["steps"][0]["name"] = "人社核验参保（海拉尔）"
    v2 = chain_version_create(actor=None, matter="PENSION", region=hailar, definition=custom)
    assert v2.version == 1 and matter(old, "PENSION").chain.region_id == "150000"
    decide(staff["hrss"], old, "PENSION", date(2026, 11, 3))
    assert active(old, "PENSION").name == "人社代缴登记"  # the running matter keeps its version

    applicant2 = factories.person(
        "150702002", name="斯琴", birth=date(1980, 1, 1), dibao_category="urban"
    )
    new = submit(staff, applicant2, matters=["PENSION"], day=date(2026, 11, 2), answers={})
    assert matter(new, "PENSION").chain == v2
    assert active(new, "PENSION").name == "人社核验参保（海拉尔）"
    assert active(new, "PENSION").due_date == date(2026, 11, 3)
    # 满洲里 still uses the autonomous-region chain.
    assert chain_for("PENSION", Region.objects.get(code="150781")).region_id == "150000"
    v3 = chain_version_create(actor=None, matter="PENSION", region=hailar, definition=custom)
    assert v3.version == 2 and matter(new, "PENSION").chain == v2


@pytest.mark.parametrize(
    ("change", "words"),
    [
        (lambda d: d["steps"].clear(), "不能为空"),
        (lambda d: d["steps"][0].update(role="supervisor"), "办理角色"),
        (lambda d: d["steps"][0].update(level="township"), "不在该层级"),
        (lambda d: d["steps"][0].update(days=0), "1 至 365"),
        (lambda d: d["steps"][0].update(outcomes=["reject"]), "approve"),
        (lambda d: d.update(days="五"), "days"),
    ],
)
def test_a_broken_chain_is_refused(change, words):
    from onestop.cases.chains import ChainError

    definition = DEFAULT_CHAINS["PENSION"].to_json()
    change(definition)
    with pytest.raises(ChainError, match=words):
        chain_version_create(
            actor=None,
            matter="PENSION",
            region=Region.objects.get(code="150702"),
            definition=definition,
        )
    assert ChainVersion.objects.filter(region_id="150702").count() == 0


def test_admin_adds_a_chain_version_for_a_region(client, login, hlbe_admin):
    import json

    login(hlbe_admin)
    definition = DEFAULT_CHAINS["PENSION"].to_json()
    definition["steps"][0]["days"] = 1
    form = {
        "matter": "PENSION",
        "region": "150702",
        "definition": json.dumps(definition, ensure_ascii=False),
    }
    response = client.post("/admin/cases/chainversion/add/", form)
    assert response.status_code == 302, response.content.decode()
    created = ChainVersion.objects.get(region_id="150702", matter="PENSION")
    assert created.version == 1 and created.created_by == hlbe_admin
    bad = {**form, "definition": json.dumps({"days": 5, "steps": []})}
    page = client.post("/admin/cases/chainversion/add/", bad).content.decode()
    assert "不能为空" in page
    # Saving an existing version adds the next one and leaves the old one as it was.
    response = client.post(f"/admin/cases/chainversion/{created.pk}/change/", form)
    assert response.status_code == 302
    assert list(
        ChainVersion.objects.filter(region_id="150702")
        .values_list("version", flat=True)
        .order_by("version")
    ) == [1, 2]
    assert (
        AuditEvent.objects.filter(action=AuditAction.CHAIN_VERSION_CREATE, actor=hlbe_admin).count()
        == 2
    )

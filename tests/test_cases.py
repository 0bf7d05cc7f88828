"""Applications through the services layer: intake, chains, clocks, decisions, delivery."""

import re
from datetime import UTC, date, datetime, time
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from onestop.accounts.roles import Role
from onestop.audit.models import AuditAction, AuditEvent
from onestop.audit.services import audit_verify
from onestop.cases import services as cs
from onestop.cases.chains import DEFAULT_CHAINS, Outcome
from onestop.cases.models import Alert, Application, ChainVersion, Material, Matter, Step
from onestop.cases.services import CaseError, Conflict, Decision, MaterialIn
from onestop.cases.timeline import timeline
from onestop.core import clock
from onestop.delivery.models import Handover
from onestop.delivery.services import DeliveryRefused, handover_pickup
from onestop.notices.models import Notice
from onestop.people.models import Certificate
from onestop.people.services import certificate_record, guardian_add, shared_record_upsert
from onestop.policy import calendar
from onestop.regions.models import OrgUnit, Region

from . import factories

pytestmark = pytest.mark.django_db
ALL = ["CERT", "LIVING", "NURSING", "MEDICAL", "PENSION"]
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def at(day: date, hour: int = 10):
    return clock.frozen(datetime.combine(day, time(hour), tzinfo=UTC))


@pytest.fixture
def staff(db):
    """The Hailar officers of every step, and a 满洲里 officer for scope checks."""
    people = {
        "clerk": (Role.WINDOW_CLERK, "cdpf-150702"),
        "cdpf": (Role.CDPF_REVIEWER, "cdpf-150702"),
        "cdpf2": (Role.CDPF_REVIEWER, "cdpf-150702"),
        "township": (Role.TOWNSHIP_CIVIL, "civil-150702001"),
        "county": (Role.COUNTY_CIVIL, "civil-150702"),
        "medical": (Role.MEDICAL_OFFICER, "medical-150702"),
        "hrss": (Role.HRSS_OFFICER, "hrss-150702"),
        "supervisor": (Role.SUPERVISOR, "gov-150700"),
        "mzl_clerk": (Role.WINDOW_CLERK, "cdpf-150781"),
    }
    return {
        key: factories.staff(f"c_{key}", role, unit, name=f"{key}员")
        for key, (role, unit) in people.items()
    }


@pytest.fixture
def applicant(db):
    """正阳街道, 低保 (urban), no certificate yet, and what the shared data knows."""
    person = factories.person(
        "150702001",
        name="其木格",
        birth=date(1975, 3, 3),
        dibao_category="urban",
        address="正阳街道8号",
    )
    as_of = datetime(2026, 1, 1, tzinfo=UTC)
    for fact, value in {
        "resident_medical": True,
        "long_term_care": True,
        "work_injury_nursing": False,
        "employee_pension": False,
        "student": False,
        "orphan_support": False,
        "resident_pension": False,
    }.items():
        shared_record_upsert(
            actor=None, person=person, fact=fact, value=value, source="测试", source_time=as_of
        )
    return person


def submit(staff, applicant, matters=ALL, day=date(2026, 9, 30), accept=True, **kw):
    with at(day):
        app = cs.application_submit(
            actor=kw.pop("actor", staff["clerk"]),
            channel=kw.pop("channel", "window"),
            applicant=applicant,
            matters=matters,
            delivery=kw.pop("delivery", "pickup"),
            consent_given=True,
            sensitive_consent_given=True,
            answers=kw.pop(
                "answers", {"medical_bills": [{"day": "2026-09-01", "policy_self_pay": "3000"}]}
            ),
            materials=kw.pop("materials", [MaterialIn("photo", content=PNG, filename="photo.png")]),
            **kw,
        )
        if accept:
            app = cs.application_accept(actor=staff["clerk"], application=app)
    return app


def matter(app, kind) -> Matter:
    return Matter.objects.get(application=app, kind=kind)


def active(app, kind) -> Step:
    return Step.objects.get(matter__application=app, matter__kind=kind, status=Step.Status.ACTIVE)


def decide(user, app, kind, day, outcome=Outcome.APPROVE, **kw) -> Step:
    with at(day):
        return cs.step_decide(actor=user, step=active(app, kind), decision=Decision(outcome, **kw))


# --- the whole journey --------------------------------------------------------------------------


def test_window_application_for_all_five_matters_runs_to_one_delivery(staff, applicant):
    app = submit(staff, applicant)
    assert app.status == Application.Status.IN_PROGRESS and app.trips == 1
    # Accepted on Wednesday 30 September 2026, the eve of the National Day holiday (1-7 October).
    assert matter(app, "LIVING").status == Matter.Status.WAITING_CERT
    assert matter(app, "LIVING").due_date == date(2026, 10, 13)
    assert active(app, "CERT").due_date == date(2026, 10, 9)
    assert active(app, "MEDICAL").due_date == date(2026, 10, 13)
    assert not Step.objects.filter(
        matter__application=app, matter__kind__in=["LIVING", "NURSING", "PENSION"]
    ).exists()
    assert matter(app, "MEDICAL").prescreen["amount"] == "2100.00"  # 3000 x 70 % (低保)

    decide(staff["cdpf"], app, "CERT", date(2026, 10, 9))
    decide(staff["cdpf"], app, "CERT", date(2026, 10, 20), category=4, level=1)
    decide(staff["cdpf"], app, "CERT", date(2026, 10, 22))
    decide(staff["medical"], app, "MEDICAL", date(2026, 10, 9))  # keeps the calculated amount
    decide(staff["medical"], app, "MEDICAL", date(2026, 10, 12))
    decide(staff["medical"], app, "MEDICAL", date(2026, 10, 13))
    assert matter(app, "MEDICAL").status == Matter.Status.APPROVED
    assert matter(app, "MEDICAL").result["amount"] == "2100.00"

    decide(staff["cdpf"], app, "CERT", date(2026, 10, 23))  # 发证
    cert = Certificate.objects.get(person=applicant)
    assert (cert.category, cert.level, cert.valid_until) == (4, 1, date(2036, 10, 23))
    # The waiting matters resumed by themselves; their clock was stopped for the 13 working days
    # after 30 September up to 23 October (8, 9, 10 (make-up Saturday), 12-16, 19-23 October).
    living = matter(app, "LIVING")
    assert living.status == Matter.Status.IN_PROGRESS and living.paused_days == 13
    assert living.due_date == date(2026, 10, 30)
    assert living.prescreen["outcome_label"] == "符合"
    assert active(app, "LIVING").unit.name == "正阳街道民政办"
    assert active(app, "LIVING").due_date == date(2026, 10, 27)
    assert app.status == Application.Status.IN_PROGRESS

    for kind in ("LIVING", "NURSING"):
        decide(staff["township"], app, kind, date(2026, 10, 26))
        assert active(app, kind).unit.name == "海拉尔区残疾人联合会"
        decide(staff["cdpf"], app, kind, date(2026, 10, 27))
        assert active(app, kind).unit.name == "海拉尔区民政局"
        decide(staff["county"], app, kind, date(2026, 10, 28))
    decide(staff["hrss"], app, "PENSION", date(2026, 10, 26))
    # Results decided earlier (the certificate, medical aid) wait for the others.
    assert not Handover.objects.filter(application=app).exists()
    decide(staff["hrss"], app, "PENSION", date(2026, 10, 27))

    app.refresh_from_db()
    assert app.status == Application.Status.CONCLUDED
    assert {m.status for m in app.matters.all()} == {Matter.Status.APPROVED}
    assert matter(app, "LIVING").result["amount"] == "100.00"
    (handover,) = Handover.objects.filter(application=app)
    assert handover.matters.count() == 5 and handover.method == "pickup"
    ready = Notice.objects.get(application=app, event="ready", channel="inbox").text
    code = re.search(r"取件码 (\d{6})", ready).group(1)
    with pytest.raises(DeliveryRefused, match="取件码不对"):
        handover_pickup(
            actor=staff["clerk"], handover=handover, code="000000" if code != "000000" else "111111"
        )
    handover_pickup(actor=staff["clerk"], handover=handover, code=code)
    handover_pickup(
        actor=staff["clerk"], handover=handover, code=code
    )  # a retry hands over nothing more
    app.refresh_from_db()
    assert app.status == Application.Status.DELIVERED and app.trips == 2  # intake and pick-up
    assert (
        AuditEvent.objects.filter(
            action=AuditAction.APPLICATION_DELIVER, subject_id=str(app.pk)
        ).count()
        == 1
    )
    assert audit_verify().ok

    texts = [e.text for e in timeline(app)]
    assert texts[0].startswith("提交申请：残疾人证新办、困难残疾人生活补贴")
    assert "受理，全部事项办结期限 2026-12-01" in texts  # CERT: 40 working days
    assert any("残疾人证已核发，自动继续办理" in t for t in texts)
    assert "办理结果已一次送达（窗口领取）" in texts
    township_entry = next(e for e in timeline(app) if "苏木乡镇（街道）民政审核：通过" in e.text)
    assert township_entry.who == "正阳街道民政办 township员"


def test_application_due_date_is_the_latest_of_its_matters(staff, applicant):
    app = submit(staff, applicant, matters=["MEDICAL", "PENSION"])
    dues = [m.due_date for m in app.matters.all()]
    assert app.due_date == max(dues) == date(2026, 10, 20)  # MEDICAL: 10 working days


# --- each outcome -------------------------------------------------------------------------------


def _officer(staff, step: Step):
    return next(u for u in staff.values() if u.org_unit_id == step.unit_id and u.role == step.role)


def _walk_to(staff, app, kind, index, day):
    """Approve the steps of a matter until step ``index`` is active."""
    while active(app, kind).index < index:
        step = active(app, kind)
        decide(_officer(staff, step), app, kind, day, category=4, level=2)


CASES = [
    (kind, i, outcome)
    for kind, chain in DEFAULT_CHAINS.items()
    for i, step in enumerate(chain.steps)
    for outcome in step.outcomes
]


@pytest.mark.parametrize(
    ("kind", "index", "outcome"), CASES, ids=[f"{k}-{i}-{o}" for k, i, o in CASES]
)
def test_each_outcome_of_each_step(staff, applicant, kind, index, outcome):
    if kind in ("LIVING", "NURSING", "PENSION"):
        certificate_record(
            actor=None,
            person=applicant,
            number=applicant.id_number + "41",
            issue_date=date(2025, 1, 1),
        )
    app = submit(staff, applicant, matters=[kind])
    day = date(2026, 11, 2)
    _walk_to(staff, app, kind, index, day)
    step = active(app, kind)
    user = _officer(staff, step)
    chain = DEFAULT_CHAINS[kind]
    extra = {}
    if outcome == Outcome.APPROVE and chain.steps[index].records == "assessment":
        extra = {"category": 5, "level": 2}
    if outcome == Outcome.REJECT:
        extra = {"reason": "经核实不符合条件"}
    if outcome == Outcome.RETURN:
        extra = {"missing_materials": ("近期免冠照片",)}
    if outcome == Outcome.TRANSFER:
        other = (
            OrgUnit.objects.filter(
                department=step.unit.department, region__parent=step.unit.region.parent
            )
            .exclude(pk=step.unit_id)
            .first()
        )
        extra = {"reason": "户籍已迁至本旗他处", "transfer_to": other}
    decide(user, app, kind, day, outcome, **extra)
    m = matter(app, kind)
    if outcome == Outcome.APPROVE:
        if index + 1 < len(chain.steps):
            assert active(app, kind).index == index + 1
        else:
            assert m.status == Matter.Status.APPROVED
    elif outcome == Outcome.REJECT:
        assert m.status == Matter.Status.REJECTED and m.result["reason"] == "经核实不符合条件"
        assert not Step.objects.filter(matter=m, status=Step.Status.ACTIVE).exists()
    elif outcome == Outcome.RETURN:
        assert m.status == Matter.Status.SUPPLEMENT and m.paused_on == day
        assert Step.objects.get(matter=m, outcome="return").missing_materials == ["近期免冠照片"]
    else:
        new = active(app, kind)
        assert (
            new.unit == extra["transfer_to"]
            and new.due_date == step.due_date
            and new.index == index
        )


def test_refusals_and_returns_need_their_reasons(staff, applicant):
    app = submit(staff, applicant, matters=["MEDICAL"])
    with pytest.raises(ValidationError, match="理由"):
        decide(staff["medical"], app, "MEDICAL", date(2026, 10, 9), Outcome.REJECT)
    with pytest.raises(ValidationError, match="补正的材料"):
        decide(staff["medical"], app, "MEDICAL", date(2026, 10, 9), Outcome.RETURN)
    with pytest.raises(ValidationError, match="调整理由"):
        decide(staff["medical"], app, "MEDICAL", date(2026, 10, 9), amount=Decimal("2500"))
    step = decide(
        staff["medical"],
        app,
        "MEDICAL",
        date(2026, 10, 9),
        amount=Decimal("2500"),
        reason="另有住院票据",
    )
    assert step.data == {
        "amount": "2500.00",
        "unit": "元",
        "calculated": "2100.00",
        "adjusted": True,
    }


def test_only_the_routed_unit_and_role_may_act(staff, applicant):
    app = submit(staff, applicant, matters=["LIVING"], answers={})
    # No certificate and none applied for: LIVING goes straight to the township (and will be
    # refused there on the facts); a county officer cannot act on the township's step.
    with pytest.raises(PermissionDenied):
        decide(staff["county"], app, "LIVING", date(2026, 10, 9))
    with pytest.raises(PermissionDenied):
        decide(staff["mzl_clerk"], app, "LIVING", date(2026, 10, 9))


# --- clocks -------------------------------------------------------------------------------------


def test_return_for_supplement_stops_the_clock_for_exactly_the_days_waited(staff, applicant):
    certificate_record(
        actor=None, person=applicant, number=applicant.id_number + "41", issue_date=date(2025, 1, 1)
    )
    app = submit(staff, applicant, matters=["LIVING"], day=date(2026, 11, 2))
    m = matter(app, "LIVING")
    before_matter, before_step = m.due_date, active(app, "LIVING").due_date
    decide(
        staff["township"],
        app,
        "LIVING",
        date(2026, 11, 3),
        Outcome.RETURN,
        missing_materials=("低保证明",),
    )
    assert matter(app, "LIVING").status == Matter.Status.SUPPLEMENT
    returned = Step.objects.get(matter=m, outcome="return")
    with at(date(2026, 11, 4)), pytest.raises(Conflict, match="退回补正"):
        cs.step_decide(actor=staff["township"], step=returned, decision=Decision(Outcome.APPROVE))
    with at(date(2026, 11, 10)):  # Tuesday a week later: 5 working days (4, 5, 6, 9, 10)
        cs.matter_supply(
            actor=staff["clerk"],
            matter=m,
            materials=[MaterialIn("dibao_proof", content=PNG, filename="a.png")],
            in_person=True,
        )
    m.refresh_from_db()
    stopped = calendar.working_days_between(date(2026, 11, 3), date(2026, 11, 10))
    assert stopped == 5 and m.paused_days == 5
    assert m.due_date == calendar.add_working_days(before_matter, 5)
    new = active(app, "LIVING")
    assert (
        new.due_date == calendar.add_working_days(before_step, 5)
        and new.unit.name == "正阳街道民政办"
    )
    app.refresh_from_db()
    assert app.trips == 2 and app.due_date == m.due_date
    assert Material.objects.get(code="dibao_proof").supplied_for.outcome == "return"


def test_sweep_marks_due_soon_and_overdue_once_and_tells_the_unit(staff, applicant):
    app = submit(staff, applicant, matters=["MEDICAL"], day=date(2026, 11, 2))
    step = active(app, "MEDICAL")  # due 9 November
    assert cs.clock_sweep(day=date(2026, 11, 5)) == {"due_soon": 0, "overdue": 0}
    assert cs.clock_sweep(day=date(2026, 11, 6)) == {"due_soon": 1, "overdue": 0}
    assert cs.clock_sweep(day=date(2026, 11, 6)) == {"due_soon": 0, "overdue": 0}
    assert cs.clock_sweep(day=date(2026, 11, 10)) == {"due_soon": 0, "overdue": 1}
    assert cs.clock_sweep(day=date(2026, 11, 11)) == {"due_soon": 0, "overdue": 0}
    kinds = list(Alert.objects.filter(step=step).values_list("kind", "unit_id"))
    assert kinds == [("due_soon", step.unit_id), ("overdue", step.unit_id)]
    assert any("已超期" in e.text for e in timeline(app))


def test_supervisor_presses_and_the_officer_sees_it(staff, applicant):
    app = submit(staff, applicant, matters=["PENSION"])
    with pytest.raises(PermissionDenied):
        cs.matter_press(actor=staff["clerk"], matter=matter(app, "PENSION"), message="请加快")
    alert = cs.matter_press(
        actor=staff["supervisor"], matter=matter(app, "PENSION"), message="请今天办结"
    )
    assert alert.unit.name == "海拉尔区人力资源和社会保障局"
    from onestop.cases.selectors import queue

    assert [s.pk for s in queue(staff["hrss"], "pressed")] == [active(app, "PENSION").pk]
    assert matter(app, "PENSION").pressed_count == 1
    assert any("督办" in e.text and "请今天办结" in e.text for e in timeline(app))


# --- chains -------------------------------------------------------------------------------------


def test_chain_override_per_region_and_version_pinning(staff, applicant):
    certificate_record(
        actor=None, person=applicant, number=applicant.id_number + "41", issue_date=date(2025, 1, 1)
    )
    old = submit(staff, applicant, matters=["PENSION"], day=date(2026, 11, 2))
    hailar = Region.objects.get(code="150702")
    custom = DEFAULT_CHAINS["PENSION"].to_json()
    custom["steps"][0]["days"] = 1
    custom["steps"][0]["name"] = "人社核验参保（海拉尔）"
    v2 = cs.chain_version_create(actor=None, matter="PENSION", region=hailar, definition=custom)
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
    assert cs.chain_for("PENSION", Region.objects.get(code="150781")).region_id == "150000"
    v3 = cs.chain_version_create(actor=None, matter="PENSION", region=hailar, definition=custom)
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
        cs.chain_version_create(
            actor=None,
            matter="PENSION",
            region=Region.objects.get(code="150702"),
            definition=definition,
        )
    assert ChainVersion.objects.filter(region_id="150702").count() == 0


# --- intake -------------------------------------------------------------------------------------


def test_retrying_a_submit_with_the_same_key_creates_one_application(staff, applicant):
    first = submit(staff, applicant, accept=False, idempotency_key="k-123")
    again = submit(staff, applicant, accept=False, idempotency_key="k-123")
    assert first.pk == again.pk
    assert Application.objects.count() == 1
    assert AuditEvent.objects.filter(action=AuditAction.APPLICATION_SUBMIT).count() == 1


def test_a_failure_in_the_middle_of_submit_leaves_nothing(staff):
    # A new township whose civil-affairs office has not been set up yet: routing the subsidy's
    # township step fails after the application and its first matter were written.
    hailar = Region.objects.get(code="150702")
    Region.objects.filter(lft__gt=hailar.lft).update(
        lft=models_f("lft") + 2, rgt=models_f("rgt") + 2
    )
    Region.objects.filter(pk__in=["150000", "150700", "150702"]).update(rgt=models_f("rgt") + 2)
    hailar.refresh_from_db()
    Region.objects.create(
        code="150702999",
        name="新设街道",
        level="township",
        parent=hailar,
        lft=hailar.rgt - 2,
        rgt=hailar.rgt - 1,
    )
    person = factories.person("150702999", name="乌云", birth=date(1980, 1, 1))
    certificate_record(
        actor=None, person=person, number=person.id_number + "11", issue_date=date(2025, 1, 1)
    )
    before = AuditEvent.objects.count()
    with pytest.raises(CaseError, match="新设街道没有设立办理"):
        submit(staff, person, matters=["MEDICAL", "LIVING"], accept=False)
    assert (
        Application.objects.count() == 0
        and Matter.objects.count() == 0
        and Material.objects.count() == 0
    )
    assert AuditEvent.objects.count() == before


def models_f(name):
    from django.db.models import F

    return F(name)


@pytest.mark.parametrize(
    ("kw", "field"),
    [
        (dict(matters=[]), "matters"),
        (dict(matters=["HOUSING"]), "matters"),
        (dict(delivery="post"), "delivery_address"),
        (dict(delivery="fax"), "delivery"),
        (dict(communication_needs=["telepathy"]), "communication_needs"),
        (
            dict(materials=[MaterialIn("photo", content=b"GIF89a....", filename="x.gif")]),
            "materials",
        ),
        (
            dict(
                materials=[
                    MaterialIn(
                        "photo", content=b"%PDF-" + b"0" * (10 * 1024 * 1024), filename="big.pdf"
                    )
                ]
            ),
            "materials",
        ),
        (
            dict(answers={"medical_bills": [{"day": "2026-02-30", "policy_self_pay": "1"}]}),
            "medical_bills",
        ),
    ],
)
def test_bad_intake_is_refused_whole(staff, applicant, kw, field):
    with pytest.raises(ValidationError) as info:
        submit(staff, applicant, accept=False, **kw)
    assert field in info.value.message_dict
    assert Application.objects.count() == 0 and Material.objects.count() == 0


def test_consent_is_required_and_recorded_with_its_version(staff, applicant):
    with at(date(2026, 11, 2)), pytest.raises(ValidationError, match="敏感个人信息"):
        cs.application_submit(
            actor=staff["clerk"],
            channel="window",
            applicant=applicant,
            matters=["CERT"],
            delivery="pickup",
            consent_given=True,
            sensitive_consent_given=False,
        )
    app = submit(staff, applicant, matters=["CERT"], accept=False)
    assert app.consent_version == "2026.1" and app.consent_at and app.sensitive_consent_at


def test_a_guardian_acts_within_scope_and_time(staff, applicant):
    agent = guardian_add(
        actor=None,
        person=applicant,
        kind="agent",
        name="巴图",
        id_number=factories.id_number(birth=date(1985, 1, 1)),
        relation="儿子",
        phone="13900000000",
    )
    with pytest.raises(ValidationError, match="授权期限"):
        submit(
            staff,
            applicant,
            matters=["CERT"],
            accept=False,
            representative=agent,
            authority_scope=["apply"],
        )
    app = submit(
        staff,
        applicant,
        matters=["CERT"],
        accept=False,
        representative=agent,
        authority_scope=["apply", "receive"],
        authority_until=date(2027, 6, 30),
    )
    assert app.representative == agent and app.authority_scope == ["apply", "receive"]


def test_uploads_are_stored_outside_the_web_root_under_random_names(client, staff, applicant):
    app = submit(staff, applicant, matters=["CERT"], accept=False)
    stored = Material.objects.get(application=app)
    assert stored.content_type == "image/png" and stored.size == len(PNG)
    assert "photo" not in stored.file.name and stored.file.name.startswith(f"materials/{app.pk}/")
    assert stored.file.read() == PNG
    for url in (
        f"/{stored.file.name}",
        f"/media/{stored.file.name}",
        f"/static/{stored.file.name}",
    ):
        assert client.get(url).status_code == 404  # nothing serves the folder directly


def test_a_clerk_cannot_take_an_application_from_another_county(staff, applicant):
    with pytest.raises(PermissionDenied), at(date(2026, 11, 2)):
        cs.application_submit(
            actor=staff["mzl_clerk"],
            channel="window",
            applicant=applicant,
            matters=["CERT"],
            delivery="pickup",
            consent_given=True,
            sensitive_consent_given=True,
        )


def test_refusal_of_acceptance(staff, applicant):
    app = submit(staff, applicant, accept=False)
    with pytest.raises(ValidationError):
        cs.application_refuse(actor=staff["clerk"], application=app, reason=" ")
    app = cs.application_refuse(
        actor=staff["clerk"], application=app, reason="不属于本窗口受理范围"
    )
    assert app.status == Application.Status.REFUSED
    assert set(app.matters.values_list("status", flat=True)) == {"withdrawn"}
    with pytest.raises(CaseError):
        cs.application_accept(actor=staff["clerk"], application=app)


def test_withdrawal_only_before_a_decision(staff, applicant):
    app = submit(staff, applicant, matters=["MEDICAL", "CERT"])
    decide(
        staff["cdpf"],
        app,
        "CERT",
        date(2026, 10, 9),
        Outcome.TRANSFER,
        reason="转本旗另一残联",
        transfer_to=OrgUnit.objects.get(code="cdpf-150781"),
    )
    with at(date(2026, 10, 10)):
        withdrawn = cs.application_withdraw(actor=None, application=app, reason="不需要了")
    assert withdrawn.status == Application.Status.WITHDRAWN
    assert not Step.objects.filter(matter__application=app, status=Step.Status.ACTIVE).exists()

    other = submit(staff, applicant, matters=["MEDICAL"])
    decide(staff["medical"], other, "MEDICAL", date(2026, 10, 9))
    with pytest.raises(CaseError, match="已有事项作出了决定"):
        cs.application_withdraw(actor=None, application=other)


def test_a_refused_certificate_ends_the_matters_waiting_for_it(staff, applicant):
    app = submit(staff, applicant, matters=["CERT", "NURSING"])
    decide(
        staff["cdpf"], app, "CERT", date(2026, 10, 9), Outcome.REJECT, reason="评定未达到残疾标准"
    )
    assert matter(app, "NURSING").status == Matter.Status.REJECTED
    app.refresh_from_db()
    assert app.status == Application.Status.CONCLUDED


# --- concurrency --------------------------------------------------------------------------------


def test_claim_conflicts_are_told_plainly(staff, applicant):
    app = submit(staff, applicant, matters=["CERT"])
    step = active(app, "CERT")
    cs.step_claim(actor=staff["cdpf"], step=step)
    with pytest.raises(Conflict, match="cdpf员认领"):
        cs.step_claim(actor=staff["cdpf2"], step=step)
    with pytest.raises(Conflict, match="已由cdpf员认领"):
        decide(staff["cdpf2"], app, "CERT", date(2026, 10, 9))
    cs.step_assign(actor=staff["cdpf"], step=step, assignee=staff["cdpf2"])
    decide(staff["cdpf2"], app, "CERT", date(2026, 10, 9))


def test_a_repeated_decision_is_not_applied_twice(staff, applicant):
    app = submit(staff, applicant, matters=["PENSION"], answers={})
    step = active(app, "PENSION")
    with at(date(2026, 10, 9)):
        cs.step_decide(actor=staff["hrss"], step=step, decision=Decision(Outcome.APPROVE))
        cs.step_decide(actor=staff["hrss"], step=step, decision=Decision(Outcome.APPROVE))
    assert Step.objects.filter(matter__application=app).count() == 2
    assert AuditEvent.objects.filter(action=AuditAction.STEP_DECIDE).count() == 1


# --- 免申即享 -----------------------------------------------------------------------------------


def test_a_proactive_finding_becomes_an_application_confirmed_with_zero_trips(staff, applicant):
    from onestop.policy.models import ProactiveFinding
    from onestop.policy.services import proactive_scan

    certificate_record(
        actor=None, person=applicant, number=applicant.id_number + "41", issue_date=date(2025, 1, 1)
    )
    proactive_scan(day=date(2026, 11, 2))
    finding = ProactiveFinding.objects.get(person=applicant, matter="LIVING")
    with at(date(2026, 11, 2)):
        app = cs.application_propose(finding=finding)
        assert cs.application_propose(finding=finding).pk == app.pk
    assert app.status == Application.Status.PENDING_CONFIRMATION and app.channel == "proactive"
    with at(date(2026, 11, 3)):
        app = cs.application_confirm(actor=None, application=app)
    assert app.status == Application.Status.IN_PROGRESS and app.trips == 0
    assert app.delivery == "post" and app.delivery_address == "正阳街道8号"
    assert active(app, "LIVING").unit.name == "正阳街道民政办"
    texts = [e.text for e in timeline(app)]
    assert texts[0] == "平台发现可享受困难残疾人生活补贴，主动推送，等待本人确认"
    assert texts[1].startswith("已通知（") and texts[1].endswith("：可以享受的待遇")
    assert texts[2] == "申请人确认办理"


def test_open_findings_are_proposed_once(staff, applicant):
    from onestop.cases.tasks import proactive_propose_daily
    from onestop.policy.services import proactive_scan

    certificate_record(
        actor=None, person=applicant, number=applicant.id_number + "41", issue_date=date(2025, 1, 1)
    )
    proactive_scan(day=date(2026, 11, 2))
    with at(date(2026, 11, 2)):
        assert proactive_propose_daily.call_local() == 3  # LIVING, NURSING, PENSION
        assert cs.proactive_propose_open() == 0
    assert (
        Application.objects.filter(channel="proactive", status="pending_confirmation").count() == 3
    )


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


def test_the_periodic_sweep_runs(staff, applicant):
    from onestop.cases.tasks import clock_sweep_periodic

    submit(staff, applicant, matters=["MEDICAL"], day=date(2026, 11, 2))
    with at(date(2026, 11, 20)):
        assert clock_sweep_periodic.call_local() == {"due_soon": 0, "overdue": 1}


# --- one open matter of a kind per person -------------------------------------------------------


def test_a_second_open_matter_of_the_same_kind_is_refused_whatever_the_channel(staff, applicant):
    first = submit(staff, applicant, matters=["PENSION", "LIVING"])
    for channel, actor in (("window", staff["clerk"]), ("online", None)):
        with pytest.raises(cs.AlreadyOpen) as refused:
            submit(staff, applicant, matters=["LIVING", "MEDICAL"], channel=channel, actor=actor)
        assert str(refused.value) == (
            f"已有在办申请（受理编号 {first.tracking_no}）："
            "困难残疾人生活补贴正在办理，不能重复申请。"
        )
        assert refused.value.application == first
    assert Application.objects.count() == 1 and Material.objects.count() == 1


def test_other_matters_and_matters_no_longer_open_may_be_applied_for(staff, applicant):
    pension = submit(staff, applicant, matters=["PENSION"])
    medical = submit(staff, applicant, matters=["MEDICAL"])  # a different matter: its own case
    assert medical.pk != pension.pk
    with at(date(2026, 10, 9)):
        cs.application_withdraw(actor=None, application=pension, reason="不需要了")
    again = submit(staff, applicant, matters=["PENSION"], day=date(2026, 10, 9))
    assert again.matters.get().kind == "PENSION"


def test_a_retried_submission_returns_the_first_application_not_a_refusal(staff, applicant):
    first = submit(staff, applicant, matters=["PENSION"], idempotency_key="form-abc")
    again = submit(staff, applicant, matters=["PENSION"], idempotency_key="form-abc")
    assert again.pk == first.pk and Application.objects.count() == 1

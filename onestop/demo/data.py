"""Demo data for local use: 呼伦贝尔 staff accounts and about 50 generated persons.

Deterministic (same people every time) and idempotent (loading twice adds nothing).
"""

import random
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction

from onestop.accounts.models import StaffUser
from onestop.accounts.roles import Role
from onestop.accounts.services import staff_user_create
from onestop.benefits.models import Entitlement, Kind, PaymentRun
from onestop.benefits.months import month_of, months
from onestop.benefits.prepare import run_prepare
from onestop.benefits.reviews import review_open
from onestop.benefits.runs import run_approve, run_release
from onestop.benefits.services import payee_account_set, returns_import
from onestop.cases.acceptance import application_accept
from onestop.cases.chains import Outcome
from onestop.cases.intake import application_submit
from onestop.cases.models import Application, Step
from onestop.cases.steps import Decision, step_decide
from onestop.core import clock
from onestop.notices.services import certificate_expiry_remind
from onestop.people.identifiers import check_digit
from onestop.people.models import DibaoCategory, Person, TekunCategory
from onestop.people.services import (
    certificate_record,
    guardian_add,
    person_find_by_id_number,
    person_register,
)
from onestop.people.shared_data import benefit_record, shared_record_upsert
from onestop.regions.models import OrgUnit, Region
from onestop.regions.services import unit_hotline_set
from onestop.reports.services import figures_rebuild

SHARED_AS_OF = datetime(2026, 1, 1, tzinfo=UTC)
DEMO_PASSWORD = "Demo#2026-hlbe"  # noqa: S105 - printed for local use; load_demo refuses production


@dataclass(frozen=True)
class DemoAccount:
    username: str
    display_name: str
    role: Role
    unit_code: str


DEMO_ACCOUNTS = [
    DemoAccount("hlr_window", "王晓梅", Role.WINDOW_CLERK, "cdpf-150702"),
    DemoAccount("hlr_cdpf", "马建国", Role.CDPF_REVIEWER, "cdpf-150702"),
    DemoAccount("zy_civil", "朱丽娜", Role.TOWNSHIP_CIVIL, "civil-150702001"),
    DemoAccount("hlr_civil", "王振华", Role.COUNTY_CIVIL, "civil-150702"),
    DemoAccount("hlr_medical", "刘海燕", Role.MEDICAL_OFFICER, "medical-150702"),
    DemoAccount("hlr_hrss", "陈志强", Role.HRSS_OFFICER, "hrss-150702"),
    DemoAccount("mzl_civil", "苏日娜", Role.COUNTY_CIVIL, "civil-150781"),
    DemoAccount("hlbe_supervisor", "张文静", Role.SUPERVISOR, "gov-150700"),
    DemoAccount("hlr_civil_head", "乌云", Role.DEPARTMENT_HEAD, "civil-150702"),
    DemoAccount("hlbe_admin", "巴特尔", Role.ADMIN, "gov-150700"),
]

SURNAMES = (
    "王李张刘陈杨赵黄周吴徐孙马朱胡郭何高林罗郑梁宋谢韩唐冯于董萧程曹袁邓许傅沈曾彭吕苏卢蒋"
    "蔡贾丁魏薛叶阎余潘杜戴夏钟汪田任姜范方石姚谭廖邹熊金陆郝孔白崔康毛邱秦江史顾侯邵孟龙万"
    "段雷钱汤尹黎易常武乔贺赖龚文"
)
GIVEN = (
    "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英华玉兰萍红梅鑫波斌宇浩凯健俊帆帅旭宁龙林欣"
)
MONGOLIAN = ["巴特尔", "其木格", "乌云", "斯琴", "额尔敦", "萨仁", "苏和", "图雅", "朝鲁", "阿拉坦"]
COUNTIES = ["150702"] * 5 + ["150703", "150721", "150724", "150781", "150781", "150782", "150783"]
RELATIONS = ["父亲", "母亲", "配偶", "儿子", "女儿", "兄弟", "姐妹"]


def _id_number(rng: random.Random, county: str, birth: date, sex: str) -> str:
    seq = rng.randrange(0, 500) * 2 + (1 if sex == "M" else 0)
    first17 = f"{county}{birth:%Y%m%d}{seq:03d}"
    return first17 + check_digit(first17)


def _name(rng: random.Random) -> str:
    if rng.random() < 0.2:
        return rng.choice(MONGOLIAN)
    return rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2))))


def _phone(rng: random.Random) -> str:
    return (
        rng.choice(["138", "139", "150", "151", "187", "189", "199"])
        + f"{rng.randrange(10**8):08d}"
    )


# Demo 咨询电话 of the two demo counties' windows (made up, like the demo people).
DEMO_HOTLINES = {"cdpf-150702": "0470-8200123", "cdpf-150781": "0470-6200123"}


def load_demo_hotlines() -> None:
    for code, hotline in DEMO_HOTLINES.items():
        unit = OrgUnit.objects.get(code=code)
        if unit.hotline != hotline:
            unit_hotline_set(actor=None, unit=unit, hotline=hotline)


def load_demo_accounts() -> list[tuple[DemoAccount, bool]]:
    out = []
    for account in DEMO_ACCOUNTS:
        exists = StaffUser.objects.filter(username=account.username).exists()
        if not exists:
            staff_user_create(
                actor=None,
                username=account.username,
                display_name=account.display_name,
                role=account.role,
                org_unit=OrgUnit.objects.get(code=account.unit_code),
                password=DEMO_PASSWORD,
            )
        out.append((account, not exists))
    return out


@dataclass
class _DemoPerson:
    """One generated person and what the departments' shared data says of them."""

    number: str
    fields: dict[str, Any]
    certificate: str | None
    issued: date
    shared: dict[str, bool]
    receives_living: bool
    guardian: dict[str, str] | None


def _shared_facts(rng: random.Random, *, cert: bool, level: int, age: int) -> dict[str, bool]:
    """What the departments' shared data says of a generated person (see policy.registry)."""
    return {
        "resident_medical": rng.random() < 0.9,
        "long_term_care": cert and level <= 2 and rng.random() < 0.7,
        "work_injury_nursing": rng.random() < 0.05,
        "employee_pension": rng.random() < 0.15,
        "resident_pension": rng.random() < 0.6,
        "student": 6 <= age < 22 and rng.random() < 0.8,
        "orphan_support": age < 18 and rng.random() < 0.1,
        "deceased": False,
    }


def _generate_person(i: int, township_codes: dict[str, list[str]], today: date) -> _DemoPerson:
    rng = random.Random(f"onestop-demo-person-{i}")  # one stream per person: stable re-runs
    county = COUNTIES[i % len(COUNTIES)]
    # The first township of 海拉尔区 is 正阳街道, where the demo township officer works.
    township = township_codes[county][0] if i % 3 == 0 else rng.choice(township_codes[county])
    sex = rng.choice("MF")
    birth = date(1940, 1, 1) + timedelta(
        days=rng.randrange(0, (date(2016, 1, 1) - date(1940, 1, 1)).days)
    )
    number = _id_number(rng, county, birth, sex)
    name = _name(rng)
    phone = _phone(rng)
    dibao = rng.choices(
        [DibaoCategory.NONE, DibaoCategory.URBAN, DibaoCategory.RURAL], weights=[5, 3, 2]
    )[0]
    tekun = (
        TekunCategory.DISPERSED
        if dibao == DibaoCategory.NONE and rng.random() < 0.1
        else TekunCategory.NONE
    )
    cert = rng.random() < 0.6
    category, level = rng.randint(1, 7), rng.randint(1, 4)
    issued = today - timedelta(days=rng.randrange(30, 3000))
    has_guardian = (today - birth).days < 18 * 365 or (cert and category in (5, 6) and level <= 2)
    guardian_name, guardian_phone = _name(rng), _phone(rng)
    guardian_id = _id_number(
        rng,
        county,
        date(1970 + rng.randrange(20), 1 + rng.randrange(12), 1 + rng.randrange(28)),
        rng.choice("MF"),
    )
    address = f"{Region.objects.get(code=township).name}{rng.randint(1, 99)}号"
    age = (today - birth).days // 365
    shared = _shared_facts(rng, cert=cert, level=level, age=age)
    receives_living = cert and dibao != DibaoCategory.NONE and rng.random() < 0.5
    guardian = {
        "name": guardian_name,
        "id_number": guardian_id,
        "relation": rng.choice(RELATIONS),
        "phone": guardian_phone,
    }
    return _DemoPerson(
        number=number,
        fields={
            "name": name,
            "hukou_region_code": township,
            "phone": phone,
            "address": address,
            "dibao_category": dibao,
            "tekun_category": tekun,
        },
        certificate=f"{number}{category}{level}" if cert else None,
        issued=issued,
        shared=shared,
        receives_living=receives_living,
        guardian=guardian if has_guardian else None,
    )


@transaction.atomic
def _register(generated: _DemoPerson) -> None:
    person = person_register(actor=None, id_number=generated.number, **generated.fields)
    if generated.certificate:
        certificate_record(
            actor=None, person=person, number=generated.certificate, issue_date=generated.issued
        )
    for fact, value in generated.shared.items():
        shared_record_upsert(
            actor=None,
            person=person,
            fact=fact,
            value=value,
            source="演示数据",
            source_time=SHARED_AS_OF,
        )
    if generated.receives_living:
        benefit_record(
            actor=None,
            person=person,
            kind="LIVING",
            monthly_amount=Decimal(100),
            start=generated.issued.replace(day=1),
        )
    if generated.guardian:
        guardian_add(actor=None, person=person, kind="guardian", **generated.guardian)


def load_demo_persons(count: int = 50, today: date | None = None) -> int:
    """Register ``count`` generated persons; returns how many were new."""
    today = today or clock.today()
    townships = {
        c: list(Region.objects.filter(parent_id=c).order_by("code").values_list("code", flat=True))
        for c in set(COUNTIES)
    }
    created = 0
    for i in range(count):
        generated = _generate_person(i, townships, today)
        if person_find_by_id_number(Person.objects.all(), generated.number):
            continue
        _register(generated)
        created += 1
    return created


def _work_through(
    app: Application, day: date, officers: dict[str, StaffUser], reject_at: str | None
) -> None:
    """Decide the application's steps a day apart, each by the demo officer of its role."""
    for _ in range(6):
        step = Step.objects.filter(matter__application=app, status="active").first()
        if step is None or step.role not in officers:
            return
        day = day + timedelta(days=1)
        outcome = Outcome.REJECT if step.role == reject_at else Outcome.APPROVE
        with clock.frozen(
            datetime.combine(day, datetime.min.time(), tzinfo=UTC) + timedelta(hours=2)
        ):
            step_decide(
                actor=officers[step.role],
                step=step,
                decision=Decision(
                    outcome,
                    reason="演示：经核查，"
                    + ("不符合条件。" if outcome == Outcome.REJECT else "同意。"),
                ),
            )


def load_demo_cases(today: date | None = None) -> int:
    """A few 正阳街道 applications over the last weeks, through the services as the window and
    the officers would make them: most decided and waiting at the window for hand-over, the
    newest still open, so that the queues, documents and reports have something to show. Only
    when there are none yet."""
    if Application.objects.exists():
        return 0
    today = today or clock.today()
    officers = {
        s.role: s
        for s in StaffUser.objects.filter(username__in=[a.username for a in DEMO_ACCOUNTS])
        if s.org_unit and s.org_unit.region_id in ("150702", "150702001")
    }
    clerk = officers[Role.WINDOW_CLERK]
    people = (
        Person.objects.filter(hukou_region_id="150702001", certificates__isnull=False)
        .distinct()
        .order_by("pk")[:8]
    )
    made = 0
    for i, person in enumerate(people):
        submitted = today - timedelta(days=35 - 4 * i)
        morning = datetime.combine(submitted, datetime.min.time(), tzinfo=UTC) + timedelta(hours=2)
        matters = ["LIVING", "NURSING"] if i % 2 == 0 else ["LIVING", "PENSION"]
        try:
            with clock.frozen(morning):  # 10:00 in Beijing
                app = application_submit(
                    actor=clerk,
                    channel="window",
                    applicant=person,
                    matters=matters,
                    delivery="pickup",
                    consent_given=True,
                    sensitive_consent_given=True,
                )
                app = application_accept(actor=clerk, application=app)
        except ValidationError:  # a demo person the rules turn away is simply skipped
            continue
        made += 1
        if i < 5:  # the older ones are worked through; the newest stay in the queues
            _work_through(app, submitted, officers, reject_at=Role.COUNTY_CIVIL if i == 1 else None)
    figures_rebuild(day_from=today - timedelta(days=40), day_to=today)
    return made


def load_demo_payments(today: date | None = None) -> int:
    """The demo county's rolls from the first month anyone is owed: every earlier month approved
    and released (one payment returned by the bank), this month's prepared and waiting for its
    second officer; and this year's 定期复核 opened. Only when there are no rolls yet; returns
    the number of rolls."""
    if PaymentRun.objects.exists():
        return 0
    today = today or clock.today()
    staff = {
        s.username: s
        for s in StaffUser.objects.filter(username__in=["hlr_civil", "hlr_civil_head"])
    }
    entitled = Entitlement.objects.filter(county_id="150702").select_related("person")
    if len(staff) < 2 or not entitled.exists():
        return 0
    for person in {e.person_id: e.person for e in entitled}.values():
        payee_account_set(
            actor=None,
            person=person,
            bank="中国农业银行呼伦贝尔分行",
            holder=person.name,
            number=f"622848{person.pk:013d}",
        )
    county = Region.objects.get(code="150702")
    first = min(e.start for e in entitled)
    made = 0
    for month in months(first, month_of(today)):
        for kind in sorted({e.kind for e in entitled if e.kind in (Kind.LIVING, Kind.NURSING)}):
            with clock.frozen(
                datetime.combine(month.replace(day=5), datetime.min.time(), tzinfo=UTC)
            ):
                run = run_prepare(
                    actor=staff["hlr_civil"], county=county, kind=kind, month=month
                ).run
                made += 1
                if month == month_of(today):
                    continue
                run = run_approve(actor=staff["hlr_civil_head"], run=run)
                run = run_release(actor=staff["hlr_civil_head"], run=run)
                if made == 1 and (line := run.lines.order_by("pk").first()):
                    returns_import(
                        actor=None, data=f"流水号,结果,原因\n{line.pk},失败,账户已销户\n".encode()
                    )
    review_open(actor=None, county=county, year=today.year)  # 定期复核 for 正阳街道's officer
    return made


def load_demo_renewal(today: date | None = None) -> Person:
    """A 正阳街道 holder whose card expires in 45 days and who has been reminded: 换证 is offered
    on their portal page, in their inbox and at the window. Made once."""
    today = today or clock.today()
    rng = random.Random("onestop-demo-renewal")
    number = _id_number(rng, "150702", date(1966, 6, 6), "F")
    found = person_find_by_id_number(Person.objects.all(), number)
    if found is not None:
        return found
    with transaction.atomic():
        person = person_register(
            actor=None,
            name="乌云其其格",
            id_number=number,
            hukou_region_code="150702001",
            phone=_phone(rng),
            address="正阳街道12号",
        )
        certificate_record(
            actor=None,
            person=person,
            number=f"{number}42",
            issue_date=today - timedelta(days=3605),
            valid_until=today + timedelta(days=45),
        )
    certificate_expiry_remind(today=today)
    return person

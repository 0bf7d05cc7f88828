"""PDFs per second for the 附件4 form, and the report page with 10,000 and 1,000,000 matters.

Targets (issue 8): at least 5 附件4 PDFs per second on one core, measured through
``document_pdf`` as a download does it (decrypt the stored snapshot, lay out, subset and embed the
fonts, write the audit event), beside a one-line page with the same embedded fonts (the floor any
PDF with CJK text costs here); and the report page's server time on PostgreSQL with 1,000,000
matters spread over a year, p95 under 300 ms, beside the signed-in home page as baseline; and
(issue 16) the report's cost growing at most 1.3x from 10,000 to 1,000,000 matters.

Run: .venv/bin/python bench/documents.py [--seconds 10] [--matters 10000,1000000] [--skip-reports]
"""

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[0] = str(ROOT)  # bench/calendar.py must not shadow the standard library's calendar

import argparse  # noqa: E402
import os  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
from datetime import UTC, date, datetime, timedelta  # noqa: E402
from datetime import time as clock_time  # noqa: E402


def rate(seconds: float, work) -> float:
    work()  # warm: font cache, imports
    done, start = 0, time.perf_counter()
    while time.perf_counter() - start < seconds:
        work()
        done += 1
    return done / (time.perf_counter() - start)


REPORT_DB = "onestop_bench_reports"
LAST_DAY = date(2026, 11, 27)


def populate_history(matters: int, offset: int = 0) -> None:
    """Applications with five matters each, submitted over the year to LAST_DAY in 呼伦贝尔's
    counties, decided and mostly delivered, with 0, 1 or 2 trips; 5,000 matters open, made with
    the first step. ``offset`` is how many applications are there already: the history grows in
    steps while what is open now stays the same, as in a working office."""
    import random

    from onestop.cases.models import Application, ChainVersion, Matter, Step
    from onestop.people.models import Person
    from onestop.regions.models import OrgUnit, Region

    rng = random.Random(5 + offset)
    persons = list(Person.objects.values_list("pk", flat=True)[:500])
    chains = {c.matter: c.pk for c in ChainVersion.objects.filter(region_id="150000")}
    townships = list(
        Region.objects.filter(level="township", parent__parent_id="150700").values_list(
            "code", "parent_id"
        )
    )
    units = {(u.department, u.region_id): u.pk for u in OrgUnit.objects.all()}
    first = {
        "CERT": ("cdpf", "cdpf_reviewer", False),
        "LIVING": ("civil", "township_civil", True),
        "NURSING": ("civil", "township_civil", True),
        "MEDICAL": ("medical", "medical_officer", False),
        "PENSION": ("hrss", "hrss_officer", False),
    }
    tz = datetime.now().astimezone().tzinfo
    total, done, batch = matters // 5 - offset, 0, 2000
    while done < total:
        apps = []
        for i in range(min(batch, total - done)):
            township, county = rng.choice(townships)
            day = LAST_DAY - timedelta(days=rng.randrange(365))
            submitted = datetime.combine(day, clock_time(9), tzinfo=tz)
            is_open = offset == 0 and done + i >= total - 1000
            decided = submitted + timedelta(days=rng.randrange(1, 9))
            apps.append(
                Application(
                    tracking_no=f"R{offset + done + i:013d}",
                    channel=rng.choice(["window", "window", "online", "proactive"]),
                    status="in_progress" if is_open else "delivered",
                    applicant_id=rng.choice(persons),
                    county_id=county,
                    township_id=township,
                    consent_version="2026.1",
                    delivery="pickup",
                    trips=rng.choice([0, 1, 1, 2]),
                    due_date=day + timedelta(days=7),
                    submitted_at=submitted,
                    accepted_at=submitted,
                    concluded_at=None if is_open else decided,
                    delivered_at=None if is_open else decided + timedelta(days=1),
                )
            )
        Application.objects.bulk_create(apps, batch_size=batch)
        ms = [
            Matter(
                application=app,
                kind=kind,
                status="in_progress" if app.concluded_at is None else "approved",
                chain_id=chains[kind],
                due_date=app.due_date,
                decided_at=app.concluded_at,
            )
            for app in apps
            for kind in first
        ]
        Matter.objects.bulk_create(ms, batch_size=5000)
        steps = []
        for m in ms:
            dept, role, at_township = first[m.kind]
            app = m.application
            region = app.township_id if at_township else app.county_id
            start = app.submitted_at.date()
            steps.append(
                Step(
                    matter=m,
                    index=0,
                    code="s",
                    name={
                        "CERT": "残联受理",
                        "MEDICAL": "医保受理审核",
                        "PENSION": "人社核验参保",
                    }.get(m.kind, "苏木乡镇（街道）民政审核"),
                    role=role,
                    unit_id=units[(dept, region)],
                    status="active" if m.decided_at is None else "done",
                    outcome="" if m.decided_at is None else "approve",
                    started_on=start,
                    due_date=start + timedelta(days=rng.randrange(2, 8)),
                    decided_at=m.decided_at,
                )
            )
        Step.objects.bulk_create(steps, batch_size=5000)
        done += len(apps)


REPORT_URLS = (
    ("home page (baseline)", "/workbench/"),
    ("report, this month", "/reports/"),
    ("report, the whole year", "/reports/?date_from={year_from}&date_to={last}"),
    ("report, year, one county", "/reports/?date_from={year_from}&date_to={last}&county=150702"),
)


def reports_child(sizes: list[int]) -> None:
    """The report page at each size of history, growing the same database step by step."""
    import statistics

    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.test.utils import setup_test_environment

    sys.path.append(str(ROOT / "bench"))
    from intake import make_people

    from onestop.accounts.services import staff_user_create
    from onestop.cases.models import Application, Matter
    from onestop.core import clock
    from onestop.regions.models import OrgUnit
    from onestop.reports.services import figures_rebuild

    setup_test_environment()
    call_command("migrate", verbosity=0)
    make_people(300)
    staff_user_create(
        actor=None,
        username="bench_reports",
        display_name="监督",
        role="supervisor",
        org_unit=OrgUnit.objects.get(code="gov-150700"),
        password="Bench-password-2026",
    )
    client = Client()
    client.post(
        "/accounts/login/", {"username": "bench_reports", "password": "Bench-password-2026"}
    )
    dates = {"year_from": LAST_DAY - timedelta(days=364), "last": LAST_DAY}
    p95: dict[int, dict[str, float]] = {}
    p50: dict[int, dict[str, float]] = {}
    for size in sizes:
        t0 = time.perf_counter()
        populate_history(size, offset=Application.objects.count())
        loaded = time.perf_counter() - t0
        t0 = time.perf_counter()
        rows = figures_rebuild(day_from=LAST_DAY - timedelta(days=366), day_to=LAST_DAY).rows
        rebuilt = time.perf_counter() - t0
        with connection.cursor() as c:
            c.execute("VACUUM ANALYZE")  # as autovacuum leaves a table soon after a bulk load
        print(
            f"postgresql: {Matter.objects.count():,} matters over a year (added in {loaded:.0f}s);"
            f" daily figures rebuilt for the year in {rebuilt:.0f}s ({rows:,} rows)"
        )
        figures = p95[size] = {}
        medians = p50[size] = {}
        with clock.frozen(datetime.combine(LAST_DAY, clock_time(2), tzinfo=UTC)):
            for name, url in REPORT_URLS:
                url = url.format(**dates)
                client.get(url)
                times = []
                for _ in range(60):
                    t = time.perf_counter()
                    response = client.get(url)
                    times.append((time.perf_counter() - t) * 1000)
                    assert response.status_code == 200, (url, response.status_code)
                times.sort()
                figures[name] = times[int(len(times) * 0.95)]
                medians[name] = statistics.median(times)
                print(f"  {name:<26} p50 {medians[name]:7.1f} ms   p95 {figures[name]:7.1f} ms")
        base = figures["home page (baseline)"]
        worst = max(v for k, v in figures.items() if k.startswith("report"))
        print(
            f"  worst report p95 {worst:.1f} ms = {worst / base:.1f}x the home page"
            " (target: p95 under 300 ms)"
        )
    if len(sizes) > 1:
        small, large = sizes[0], sizes[-1]
        print(f"growth from {small:,} to {large:,} matters (target within 1.3x):")
        for name, _ in REPORT_URLS:
            print(
                f"  {name:<26} p50 {p50[large][name] / p50[small][name]:5.2f}x"
                f"   p95 {p95[large][name] / p95[small][name]:5.2f}x"
            )


def run_reports(sizes: list[int]) -> None:
    import subprocess

    import psycopg

    with psycopg.connect("postgresql://postgres@127.0.0.1:5432/postgres", autocommit=True) as c:
        c.execute(f"DROP DATABASE IF EXISTS {REPORT_DB}")
        c.execute(f"CREATE DATABASE {REPORT_DB}")
    env = {
        **os.environ,
        "DATABASE_URL": f"postgresql://postgres@127.0.0.1:5432/{REPORT_DB}",
        "DJANGO_SETTINGS_MODULE": "onestop.settings",
        "ONESTOP_LOG_LEVEL": "WARNING",
        "ONESTOP_VAR_DIR": tempfile.mkdtemp(prefix="onestop-bench-reports-"),
    }
    subprocess.run(
        [sys.executable, __file__, "--reports-child", ",".join(map(str, sizes))],
        env=env,
        check=True,
        cwd=ROOT,
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument(
        "--matters",
        default="10000,1000000",
        help="sizes of history, comma-separated: the report is measured at each, growing",
    )
    parser.add_argument("--skip-reports", action="store_true")
    parser.add_argument("--reports-child")
    args = parser.parse_args()
    if args.reports_child:
        reports_child([int(n) for n in args.reports_child.split(",")])
        return
    if not args.skip_reports:
        run_reports([int(n) for n in args.matters.split(",")])
    os.environ.setdefault("ONESTOP_VAR_DIR", tempfile.mkdtemp(prefix="onestop-bench-docs-"))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "onestop.settings")
    os.environ.setdefault("ONESTOP_LOG_LEVEL", "WARNING")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    from onestop.accounts.roles import Role
    from onestop.core import clock
    from onestop.documents.models import DocumentKind
    from onestop.documents.services import document_issue, document_pdf
    from onestop.documents.sheet import Sheet
    from tests import factories
    from tests.test_documents import subsidy_case

    names = {"township": "朱丽娜", "cdpf": "马晓东", "county": "王振华"}
    team = {
        key: factories.staff(f"bench_{key}", role, unit, name=names.get(key, "测试员"))
        for key, (role, unit) in {
            "clerk": (Role.WINDOW_CLERK, "cdpf-150702"),
            "township": (Role.TOWNSHIP_CIVIL, "civil-150702001"),
            "cdpf": (Role.CDPF_REVIEWER, "cdpf-150702"),
            "county": (Role.COUNTY_CIVIL, "civil-150702"),
        }.items()
    }
    app = subsidy_case(team)
    form = document_issue(actor=team["clerk"], kind=DocumentKind.SUBSIDY_FORM, application=app)
    size = len(document_pdf(actor=team["clerk"], document=form))

    def floor():
        sheet = Sheet(
            title="基线", code=form.code, digest=form.content_hash, issued=clock.now(), text="基线"
        )
        sheet.add_page()
        sheet.cell(text="残疾人两项补贴申请审批表")
        sheet.output()

    baseline = rate(args.seconds, floor)
    forms = rate(args.seconds, lambda: document_pdf(actor=team["clerk"], document=form))
    print(f"附件4 PDF ({size:,} bytes), one process on one core:")
    print(f"  baseline, one line with the same embedded fonts: {baseline:6.1f} PDFs/s")
    print(
        f"  附件4 through document_pdf (audited):             {forms:6.1f} PDFs/s"
        f"   ratio {forms / baseline:.2f} (target at least 5 PDFs/s)"
    )


if __name__ == "__main__":
    main()

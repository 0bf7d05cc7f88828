"""Intake throughput and officer-queue latency, on SQLite and PostgreSQL.

Targets (issue 4): at least 200 applications/s submitted (5 matters each, through the services
layer) on PostgreSQL on a 2-core machine, measured with one window and with four windows at once
(submitting and then accepting, as the window does, is printed beside it); the officer queue's p95 under 50 ms with
1,000,000 matters in the database and at most 1.5x its figure at 10,000. Both queue runs have the
same 10,000 matters in progress; at 1,000,000 the other 990,000 are history (concluded), so the
ratio shows what the size of the database costs the queue.

Run: .venv/bin/python bench/intake.py [--big 1000000] [--skip-postgres]
"""

import argparse
import os
import random
import statistics
import subprocess
import sys
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[0] = str(ROOT)  # bench/calendar.py must not shadow the standard library's calendar

DAY = datetime(2026, 11, 2, 10, tzinfo=UTC)
COUNTIES = ["150702", "150703", "150721", "150781", "150782", "150783"]


def make_people(n: int):
    from onestop.people.identifiers import check_digit
    from onestop.people.services import person_register
    from onestop.regions.models import Region

    rng = random.Random(11)
    people = []
    townships = {
        c: list(Region.objects.filter(parent_id=c).values_list("code", flat=True)) for c in COUNTIES
    }
    for i in range(n):
        county = COUNTIES[i % len(COUNTIES)]
        first17 = f"{county}{1950 + i % 50}{1 + i % 12:02d}{1 + i % 28:02d}{i % 1000:03d}"
        people.append(
            person_register(
                actor=None,
                name="测试",
                id_number=first17 + check_digit(first17),
                hukou_region_code=rng.choice(townships[county]),
                dibao_category="urban",
            )
        )
    return people


def _submit_slice(job: tuple[list[int], bool]) -> int:
    """One window's worth of work, in its own process and connection: submit each application,
    and accept it too when ``accept``."""
    person_ids, accept = job
    from django.db import connections

    from onestop.accounts.models import StaffUser
    from onestop.cases.acceptance import application_accept
    from onestop.cases.intake import application_submit
    from onestop.core import clock
    from onestop.people.models import Person

    connections.close_all()
    clerks = {
        u.org_unit.region_id: u
        for u in StaffUser.objects.filter(username__startswith="bench_clerk_").select_related(
            "org_unit"
        )
    }
    with clock.frozen(DAY):
        for p in Person.objects.filter(pk__in=person_ids).select_related("hukou_region"):
            clerk = clerks[p.hukou_region.parent_id]
            app = application_submit(
                actor=clerk,
                channel="window",
                applicant=p,
                matters=["CERT", "LIVING", "NURSING", "MEDICAL", "PENSION"],
                delivery="pickup",
                consent_given=True,
                sensitive_consent_given=True,
            )
            if accept:
                application_accept(actor=clerk, application=app)
    connections.close_all()
    return len(person_ids)


def bench_intake(n: int, workers: tuple[int, ...]) -> tuple[dict[tuple[int, bool], float], float]:
    import multiprocessing

    from django.db import connections

    from onestop.accounts.services import staff_user_create
    from onestop.regions.models import OrgUnit

    for c in COUNTIES:
        staff_user_create(
            actor=None,
            username=f"bench_clerk_{c}",
            display_name="窗口",
            role="window_clerk",
            org_unit=OrgUnit.objects.get(code=f"cdpf-{c}"),
            password="Bench-password-2026",
        )
    # Baseline in the same run: registering a person (one row and one audit event, through the
    # services layer too).
    t0 = time.perf_counter()
    runs = [(w, accept) for accept in (False, True) for w in workers]
    people = [p.pk for p in make_people(n * len(runs))]
    base = len(people) / (time.perf_counter() - t0)
    rates = {}
    for i, (w, accept) in enumerate(runs):
        batch = people[i * n : (i + 1) * n]
        slices = [(batch[k::w], accept) for k in range(w)]
        connections.close_all()
        t0 = time.perf_counter()
        with multiprocessing.get_context("fork").Pool(w) as pool:
            done = sum(pool.map(_submit_slice, slices))
        rates[(w, accept)] = done / (time.perf_counter() - t0)
    return rates, base


def populate(matters: int, open_matters: int) -> None:
    """Bulk-load applications (5 matters each) up to ``matters`` in all, of which the first
    ``open_matters`` are in progress with one open step; the rest are history (approved, their
    step done), as in a database that has served for years."""
    from onestop.cases.models import Application, ChainVersion, Matter, Step
    from onestop.people.models import Person
    from onestop.regions.models import OrgUnit, Region

    rng = random.Random(7)
    have = Matter.objects.count()
    persons = list(Person.objects.values_list("pk", "hukou_region_id")[:500])
    chains = {c.matter: c.pk for c in ChainVersion.objects.filter(region_id="150000")}
    townships = list(Region.objects.filter(level="township").values_list("code", "parent_id"))
    units = {(u.department, u.region_id): u.pk for u in OrgUnit.objects.all()}
    first = {
        "CERT": ("cdpf", "cdpf_reviewer", False),
        "LIVING": ("civil", "township_civil", True),
        "NURSING": ("civil", "township_civil", True),
        "MEDICAL": ("medical", "medical_officer", False),
        "PENSION": ("hrss", "hrss_officer", False),
    }
    per_batch = 2000
    todo = (matters - have) // 5
    offset = Application.objects.count()
    n = 0
    while n < todo:
        apps = []
        for _ in range(min(per_batch, todo - n)):
            township, county = rng.choice(townships)
            pk, _ = rng.choice(persons)
            apps.append(
                Application(
                    tracking_no=f"B{offset + n:013d}",
                    channel="window",
                    status="in_progress",
                    applicant_id=pk,
                    county_id=county,
                    township_id=township,
                    consent_version="2026.1",
                    delivery="pickup",
                    due_date=date(2026, 11, 2) + timedelta(days=rng.randrange(60)),
                )
            )
            n += 1
        Application.objects.bulk_create(apps, batch_size=per_batch)
        ms, steps = [], []
        for app in apps:
            is_open = have + len(ms) < open_matters
            for kind in first:
                ms.append(
                    Matter(
                        application=app,
                        kind=kind,
                        status="in_progress" if is_open else "approved",
                        chain_id=chains[kind],
                        due_date=app.due_date,
                    )
                )
        Matter.objects.bulk_create(ms, batch_size=5000)
        for m in ms:
            dept, role, at_township = first[m.kind]
            region = m.application.township_id if at_township else m.application.county_id
            due = date(2026, 10, 20) + timedelta(days=rng.randrange(60))
            is_open = m.status == "in_progress"
            steps.append(
                Step(
                    matter=m,
                    index=0,
                    code="s",
                    name="环节",
                    role=role,
                    unit_id=units[(dept, region)],
                    status="active" if is_open else "done",
                    outcome="" if is_open else "approve",
                    started_on=date(2026, 10, 1),
                    due_date=due,
                )
            )
        Step.objects.bulk_create(steps, batch_size=5000)
        have += len(ms)


def queue_latency(runs: int = 300) -> tuple[float, float, int]:
    from django.core.paginator import Paginator

    from onestop.accounts.models import StaffUser
    from onestop.cases.selectors import queue
    from onestop.core import clock

    officers = list(StaffUser.objects.filter(username__startswith="bench_q_"))
    times = []
    size = 0
    with clock.frozen(DAY):
        for i in range(runs):
            user = officers[i % len(officers)]
            tab = ("mine", "due_soon", "overdue")[i % 3]
            t0 = time.perf_counter()
            page = Paginator(queue(user, tab), 20).get_page(1)
            rows = list(page.object_list)
            size = max(size, page.paginator.count)
            times.append(time.perf_counter() - t0)
            assert len(rows) <= 20
    times.sort()
    return statistics.median(times) * 1000, times[int(len(times) * 0.95)] * 1000, size


def child(big: int, intake: int) -> None:
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from onestop.accounts.services import staff_user_create
    from onestop.cases.models import Matter
    from onestop.regions.models import OrgUnit

    call_command("migrate", verbosity=0)
    rates, base = bench_intake(intake, (1, 4))
    print(
        f"{connection.vendor}: applications through the services, 5 matters each ({intake} per run)"
    )
    for (w, accept), rate in rates.items():
        what = "submitted and accepted" if accept else "submitted"
        print(
            f"  {what:<23} {w} window(s) at once: {rate:>6,.0f}/s   target 200/s submitted, PostgreSQL"
        )
    print(
        f"  baseline, person_register (one window): {base:,.0f}/s; one submitted application costs "
        f"{base / rates[(1, False)]:.1f}x a registration"
    )
    for code, role in (
        ("civil-150702001", "township_civil"),
        ("medical-150702", "medical_officer"),
        ("hrss-150781", "hrss_officer"),
        ("cdpf-150783", "cdpf_reviewer"),
    ):
        staff_user_create(
            actor=None,
            username=f"bench_q_{code}",
            display_name="经办",
            role=role,
            org_unit=OrgUnit.objects.get(code=code),
            password="Bench-password-2026",
        )
    results = {}
    for target in (10_000, big):
        t0 = time.perf_counter()
        populate(target, open_matters=10_000)
        load = time.perf_counter() - t0
        if connection.vendor == "postgresql":
            with connection.cursor() as c:
                c.execute("ANALYZE")
        p50, p95, size = queue_latency()
        results[target] = p95
        print(
            f"  queue with {Matter.objects.count():>9,} matters: p50 {p50:6.2f} ms, p95 {p95:6.2f} ms "
            f"(largest tab {size:,} steps; loaded in {load:.0f}s)"
        )
    print(
        f"  p95 ratio {big:,} / 10,000: {results[big] / results[10_000]:.2f}x (target at most 1.5x)"
    )


def run(url: str, big: int, intake: int) -> None:
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "DJANGO_SETTINGS_MODULE": "onestop.settings",
        "ONESTOP_LOG_LEVEL": "WARNING",
        "ONESTOP_VAR_DIR": "/tmp/onestop-bench-var",
        "ONESTOP_DEBUG": "0",  # as in production: no query log
    }
    subprocess.run(
        [sys.executable, __file__, "--child", str(big), "--intake", str(intake)],
        env=env,
        check=True,
        cwd=ROOT,
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--big", type=int, default=1_000_000)
    parser.add_argument("--intake", type=int, default=300)
    parser.add_argument("--skip-postgres", action="store_true")
    parser.add_argument("--child", type=int)
    args = parser.parse_args()
    if args.child:
        child(args.child, args.intake)
        return
    sqlite = Path("/tmp/onestop-bench-intake.sqlite3")
    for suffix in ("", "-wal", "-shm"):
        Path(f"{sqlite}{suffix}").unlink(missing_ok=True)
    run(f"sqlite:///{sqlite}", args.big, args.intake)
    if not args.skip_postgres:
        import psycopg

        with psycopg.connect("postgresql://postgres@127.0.0.1:5432/postgres", autocommit=True) as c:
            c.execute("DROP DATABASE IF EXISTS onestop_bench_intake")
            c.execute("CREATE DATABASE onestop_bench_intake")
        run("postgresql://postgres@127.0.0.1:5432/onestop_bench_intake", args.big, args.intake)


if __name__ == "__main__":
    main()

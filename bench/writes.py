"""Writes per second with 1, 2 and 4 clients on PostgreSQL, each client in its own county.

Target (issue 16, item 1): decisions, intakes and registrations in different counties gain with
clients until the cores are full: from 1 to 2 clients at least 1.6x (this machine has 2 cores,
so 4 clients show where they are full). Each client is its own process and connection and works
through the services, as the pages and the API do:

- registration: ``person_register`` by the county's window clerk;
- intake: ``application_submit`` at the window and ``application_accept`` (three matters);
- decision: ``step_decide`` (approve) by the county's township officer, on accepted matters.

The data each client works on is made beforehand, outside the clock. Redis holds the task queue,
as in production (the tasks the writes enqueue are not run here).

Run: .venv/bin/python bench/writes.py [--writes 150] [--db onestop_bench_writes]
"""

import argparse
import multiprocessing
import os
import subprocess
import sys
import time
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[0] = str(ROOT)  # bench/calendar.py must not shadow the standard library's calendar

COUNTIES = ["150702", "150781", "150724", "150725"]
CLIENTS = (1, 2, 4)


def _id_number(county: str, serial: int) -> str:
    from onestop.people.identifiers import check_digit

    born = date(1950, 1, 1) + timedelta(days=serial % 18_000)
    first17 = f"{county}{born:%Y%m%d}{serial // 18_000 % 1000:03d}"
    return first17 + check_digit(first17)


def _register(clerk_pk: int, township: str, numbers: list[str]) -> None:
    from onestop.accounts.models import StaffUser
    from onestop.people.services import person_register

    clerk = StaffUser.objects.get(pk=clerk_pk)
    for number in numbers:
        person_register(actor=clerk, name="测试", id_number=number, hukou_region_code=township)


def _intake(clerk_pk: int, persons: list[int]) -> None:
    from onestop.accounts.models import StaffUser
    from onestop.cases.acceptance import application_accept
    from onestop.cases.intake import application_submit
    from onestop.people.models import Person

    clerk = StaffUser.objects.get(pk=clerk_pk)
    for person in Person.objects.filter(pk__in=persons):
        app = application_submit(
            actor=clerk,
            channel="window",
            applicant=person,
            matters=["LIVING", "NURSING", "PENSION"],
            delivery="pickup",
            consent_given=True,
            sensitive_consent_given=True,
        )
        application_accept(actor=clerk, application=app)


def _decide(officer_pk: int, steps: list[int]) -> None:
    from onestop.accounts.models import StaffUser
    from onestop.cases.models import Step
    from onestop.cases.steps import Decision, Outcome, step_decide

    officer = StaffUser.objects.get(pk=officer_pk)
    for step in Step.objects.filter(pk__in=steps):
        step_decide(actor=officer, step=step, decision=Decision(Outcome.APPROVE))


def _client(kind: str, *args) -> None:
    from django.db import connections

    {"registration": _register, "intake": _intake, "decision": _decide}[kind](*args)
    connections.close_all()


def run(kind: str, jobs: list[tuple]) -> float:
    """Writes per second of all the clients together."""
    from django.db import connections

    connections.close_all()
    t0 = time.perf_counter()
    if len(jobs) == 1:
        _client(kind, *jobs[0])
    else:
        with multiprocessing.get_context("fork").Pool(len(jobs)) as pool:
            pool.starmap(_client, [(kind, *job) for job in jobs])
    return sum(len(job[-1]) for job in jobs) / (time.perf_counter() - t0)


def child(writes: int) -> None:
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    from onestop.accounts.roles import Role
    from onestop.cases.models import Step
    from onestop.regions.models import Region
    from tests import factories

    # Each county serves at most len(CLIENTS) runs of each kind, one slice of data per run.
    counties = {}
    serial = 0
    t0 = time.perf_counter()
    for i, county in enumerate(COUNTIES):
        runs = sum(1 for n in CLIENTS if i < n)
        township = Region.objects.filter(parent_id=county).order_by("code").first().code
        clerk = factories.staff(f"w_clerk_{county}", Role.WINDOW_CLERK, f"cdpf-{county}")
        officer = factories.staff(f"w_town_{county}", Role.TOWNSHIP_CIVIL, f"civil-{township}")
        numbers, people, steps = [], [], []
        for _ in range(runs):
            numbers.append([_id_number(county, serial + k) for k in range(writes)])
            serial += writes
            people.append(
                [
                    factories.holder(
                        township, birth=date(1950, 1, 1) + timedelta(days=serial + k)
                    ).pk
                    for k in range(writes)
                ]
            )
            serial += writes
            apps = [
                factories.application_accepted(
                    clerk,
                    factories.holder(
                        township,
                        birth=date(1950, 1, 1) + timedelta(days=serial + k),
                        dibao_category="urban",
                    ),
                    matters=["LIVING"],
                )
                for k in range(writes)
            ]
            serial += writes
            steps.append(
                list(
                    Step.objects.filter(matter__application__in=apps, status="active").values_list(
                        "pk", flat=True
                    )
                )
            )
        counties[county] = (clerk.pk, officer.pk, township, numbers, people, steps)
    print(f"  data made in {time.perf_counter() - t0:.0f} s")

    def jobs(kind: str, n: int, run_index: dict) -> list[tuple]:
        out = []
        for county in COUNTIES[:n]:
            clerk, officer, township, numbers, people, steps = counties[county]
            k = run_index[county]
            run_index[county] += 1
            out.append(
                {
                    "registration": (clerk, township, numbers[k]),
                    "intake": (clerk, people[k]),
                    "decision": (officer, steps[k]),
                }[kind]
            )
        return out

    print(f"PostgreSQL, {writes} writes per client, each client in its own county; writes/s")
    print(
        f"  {'':<14}"
        + "".join(f"{f'{n} client' + ('s' if n > 1 else ''):>12}" for n in CLIENTS)
        + f"{'2 vs 1':>9}{'4 vs 1':>9}"
    )
    for kind in ("registration", "intake", "decision"):
        used = dict.fromkeys(COUNTIES, 0)
        rates = {n: run(kind, jobs(kind, n, used)) for n in CLIENTS}
        print(
            f"  {kind + 's':<14}"
            + "".join(f"{rates[n]:>12.0f}" for n in CLIENTS)
            + f"{rates[2] / rates[1]:>8.2f}x{rates[4] / rates[1]:>8.2f}x"
        )
    print("  target: from 1 to 2 clients at least 1.6x")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--writes", type=int, default=150, help="writes per client and kind")
    parser.add_argument("--db", default="onestop_bench_writes")
    parser.add_argument("--child", action="store_true")
    args = parser.parse_args()
    if args.child:
        child(args.writes)
        return
    import psycopg

    with psycopg.connect("postgresql://postgres@127.0.0.1:5432/postgres", autocommit=True) as c:
        c.execute(f"DROP DATABASE IF EXISTS {args.db}")
        c.execute(f"CREATE DATABASE {args.db}")
    env = {
        **os.environ,
        "DATABASE_URL": f"postgresql://postgres@127.0.0.1:5432/{args.db}",
        "DJANGO_SETTINGS_MODULE": "onestop.settings",
        "ONESTOP_LOG_LEVEL": "WARNING",
        "ONESTOP_VAR_DIR": "/tmp/onestop-bench-writes-var",
        "ONESTOP_DEBUG": "0",
    }
    # As in production: the task queue, cache and leases in Redis (a queue in one SQLite file
    # would make every client's writes take turns); a database of its own, emptied after.
    redis_url = "redis://127.0.0.1:6379/11"
    env |= {"ONESTOP_REDIS_URL": redis_url, "ONESTOP_HUEY_NAME": "bench-writes"}
    try:
        subprocess.run(
            [sys.executable, __file__, "--child", "--writes", str(args.writes)],
            env=env,
            check=True,
            cwd=ROOT,
        )
    finally:
        import redis

        redis.Redis.from_url(redis_url).flushdb()


if __name__ == "__main__":
    main()

"""Audited writes per second on PostgreSQL, with 1, 2 and 4 clients (issue 12, item 4).

Each client is its own process and connection and registers people through
``onestop.people.services.person_register`` as a window clerk of its own county, so its audit
events go to its own unit's chain. The same writes run again with ``audit_record`` made a no-op,
and once more with 4 clients in one county (one chain, which must take turns). Figures and ratios
only; nothing passes or fails.

Run: .venv/bin/python bench/audit.py [--writes 1000] [--db onestop_bench_audit]
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

COUNTIES = ["150702", "150703", "150721", "150781"]
_next_serial = 0


def _id_number(county: str, serial: int) -> str:
    from onestop.people.identifiers import check_digit

    born = date(1950, 1, 1) + timedelta(days=serial % 18_000)
    first17 = f"{county}{born:%Y%m%d}{serial // 18_000 % 1000:03d}"
    return first17 + check_digit(first17)


def _client(user_pk: int, county: str, township: str, first: int, writes: int) -> None:
    from django.db import connections

    from onestop.accounts.models import StaffUser
    from onestop.people.services import person_register

    clerk = StaffUser.objects.get(pk=user_pk)
    for serial in range(first, first + writes):
        person_register(
            actor=clerk,
            name="测试",
            id_number=_id_number(county, serial),
            hukou_region_code=township,
        )
    connections.close_all()


def run(clerks, writes: int) -> float:
    """Writes per second of all the clients together."""
    global _next_serial
    from django.db import connections

    jobs = []
    for clerk, county, township in clerks:
        jobs.append((clerk.pk, county, township, _next_serial, writes))
        _next_serial += writes
    connections.close_all()
    t0 = time.perf_counter()
    if len(jobs) == 1:
        _client(*jobs[0])
    else:
        with multiprocessing.get_context("fork").Pool(len(jobs)) as pool:
            pool.starmap(_client, jobs)
    return len(jobs) * writes / (time.perf_counter() - t0)


def child(writes: int) -> None:
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    from onestop.accounts.roles import Role
    from onestop.accounts.services import staff_user_create
    from onestop.people import services as people
    from onestop.regions.models import OrgUnit, Region

    def clerk(county: str, name: str):
        user = staff_user_create(
            actor=None,
            username=name,
            display_name="压测",
            role=Role.WINDOW_CLERK,
            org_unit=OrgUnit.objects.get(code=f"cdpf-{county}"),
            password="Bench-password-2026",
        )
        township = Region.objects.filter(parent_id=county).order_by("code").first()
        assert township is not None
        return user, county, township.code

    spread = [clerk(c, f"bench_{c}") for c in COUNTIES]
    same = [clerk(COUNTIES[0], f"bench_same{i}") for i in range(4)]
    run(spread[:1], 50)  # warm-up: first connections, caches
    audited = {n: run(spread[:n], writes) for n in (1, 2, 4)}
    audited_same = run(same, writes)
    real_record = people.audit_record
    people.audit_record = lambda **kw: None  # the same writes, no audit event
    try:
        plain = {n: run(spread[:n], writes) for n in (1, 2, 4)}
    finally:
        people.audit_record = real_record
    print(f"person registrations, {writes} per client, PostgreSQL, writes/s")
    print(f"{'clients':>8} {'audited':>10} {'no audit':>10} {'audited/no audit':>17}")
    for n in (1, 2, 4):
        print(f"{n:>8} {audited[n]:>10.0f} {plain[n]:>10.0f} {audited[n] / plain[n]:>17.2f}")
    print(f"audited, 4 clients vs 1: {audited[4] / audited[1]:.2f}x")
    print(
        f"audited, 4 clients in ONE county (one chain): {audited_same:.0f}/s "
        f"({audited_same / audited[4]:.2f}x the 4 counties)"
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--writes", type=int, default=1000, help="registrations per client")
    parser.add_argument("--db", default="onestop_bench_audit")
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
        "ONESTOP_VAR_DIR": "/tmp/onestop-bench-audit-var",
        "ONESTOP_DEBUG": "0",
    }
    subprocess.run(
        [sys.executable, __file__, "--child", "--writes", str(args.writes)],
        env=env,
        check=True,
        cwd=ROOT,
    )


if __name__ == "__main__":
    main()

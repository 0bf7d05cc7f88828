"""One month's payment run for every 旗县, on PostgreSQL.

Target (issue 15): with 1,000,000 active entitlements spread over the 108 旗县 of Inner Mongolia,
the month's rolls (``runs_prepare`` for every county in one pass, as ``manage.py payment_run``
runs them) in under
60 s on this 2-core machine, and at least 0.3x a bare ``INSERT ... SELECT`` of the same number of
rows (into a table shaped like the lines, without their keys), timed in the same run; the run's
cost grows linearly (100,000 beside 1,000,000).

The persons and entitlements are written by SQL as set-up, outside the clock (their encryption
and checks are measured by the other benches).

Run: .venv/bin/python bench/payments.py [--sizes 100000,1000000]
"""

import argparse
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[0] = str(ROOT)  # bench/calendar.py must not shadow the standard library's calendar
DB = "onestop_bench_payments"


def populate(n: int) -> list[str]:
    """``n`` persons, one per township in turn, each entitled to the living subsidy since
    March and paid for March."""
    from django.db import connection

    from onestop.regions.models import Region

    counties = list(Region.objects.filter(level="county").values_list("code", flat=True))
    with connection.cursor() as c:
        c.execute(
            "TRUNCATE benefits_paymentline, benefits_paymentrun, benefits_entitlement CASCADE"
        )
        c.execute("DELETE FROM people_person")
        c.execute(
            """
            WITH t AS (
              SELECT code, parent_id, row_number() OVER (ORDER BY code) - 1 AS k,
                     count(*) OVER () AS m
              FROM regions_region WHERE level = 'township')
            INSERT INTO people_person (name, sex, birth_date, phone, hukou_region_id, address,
              dibao_category, tekun_category, created_at, updated_at, id_number_cipher,
              id_number_index)
            SELECT '测试', 'M', DATE '1960-01-01', '', t.code, '', 'rural', 'none', now(), now(),
                   'bench', 'bench-' || g
            FROM generate_series(0, %s - 1) AS g JOIN t ON t.k = g %% t.m
            """,
            [n],
        )
        c.execute(
            """
            INSERT INTO benefits_entitlement (person_id, kind, county_id, amount, example, start,
              end_reason, created_at)
            SELECT p.id, 'LIVING', r.parent_id, 100, false, DATE '2026-03-01', '', now()
            FROM people_person p JOIN regions_region r ON r.code = p.hukou_region_id
            """
        )
        # March was paid (a released roll per county), so April owes nothing back: the steady
        # state, where the run still checks every entitlement for months owed.
        c.execute(
            """
            INSERT INTO benefits_paymentrun (county_id, kind, month, status, cursor, line_count,
              total, agent, file, digest)
            SELECT DISTINCT county_id, 'LIVING', DATE '2026-03-01', 'released', 0, 0, 0, '', '', ''
            FROM benefits_entitlement
            """
        )
        c.execute(
            """
            INSERT INTO benefits_paymentline (run_id, entitlement_id, person_id, kind, month,
              claim, type, amount, status, return_reason)
            SELECT r.id, e.id, e.person_id, 'LIVING', DATE '2026-03-01', 0, 'regular', 100,
                   'sent', ''
            FROM benefits_entitlement e JOIN benefits_paymentrun r ON r.county_id = e.county_id
            """
        )
        c.execute("ANALYZE")
        c.execute("SELECT count(DISTINCT county_id) FROM benefits_entitlement")
        (spread,) = c.fetchone()
    print(f"  {n:,} entitlements over {spread} of {len(counties)} 旗县")
    return counties


def bare_insert(n: int) -> float:
    from django.db import connection

    with connection.cursor() as c:
        c.execute("DROP TABLE IF EXISTS bench_bare_lines")
        c.execute("CREATE TABLE bench_bare_lines (LIKE benefits_paymentline)")
        t0 = time.perf_counter()
        c.execute(
            """
            INSERT INTO bench_bare_lines (id, run_id, entitlement_id, person_id, kind, month,
              claim, type, amount, status, return_reason)
            SELECT e.id, 1, e.id, e.person_id, e.kind, DATE '2026-04-01', 0, 'regular', 100,
                   'pending', ''
            FROM benefits_entitlement e
            """
        )
        seconds = time.perf_counter() - t0
        assert c.rowcount == n
        c.execute("DROP TABLE bench_bare_lines")
    return seconds


def keyed_insert(n: int) -> float:
    """The ceiling every design meets: the same INSERT ... SELECT into a table with only a
    primary key and the unique key the issue asks for (one line per person, benefit and month),
    without which a month could be paid twice."""
    from django.db import connection

    with connection.cursor() as c:
        c.execute("DROP TABLE IF EXISTS bench_keyed_lines")
        c.execute("CREATE TABLE bench_keyed_lines (LIKE benefits_paymentline INCLUDING DEFAULTS)")
        c.execute("ALTER TABLE bench_keyed_lines ADD PRIMARY KEY (id)")
        c.execute(
            "CREATE UNIQUE INDEX ON bench_keyed_lines (person_id, kind, month, claim)"
            " WHERE NOT status = 'returned'"
        )
        t0 = time.perf_counter()
        c.execute(
            """
            INSERT INTO bench_keyed_lines (id, run_id, entitlement_id, person_id, kind, month,
              claim, type, amount, status, return_reason)
            SELECT e.id, 1, e.id, e.person_id, e.kind, DATE '2026-04-01', 0, 'regular', 100,
                   'pending', ''
            FROM benefits_entitlement e
            ON CONFLICT DO NOTHING
            """
        )
        seconds = time.perf_counter() - t0
        assert c.rowcount == n
        c.execute("DROP TABLE bench_keyed_lines")
    return seconds


def month_run(counties: list[str]) -> tuple[float, int]:
    from datetime import date

    from onestop.benefits.models import PaymentLine
    from onestop.benefits.prepare import runs_prepare
    from onestop.regions.models import Region

    t0 = time.perf_counter()
    chosen = list(Region.objects.filter(code__in=counties).order_by("code"))
    runs_prepare(actor=None, kind="LIVING", month=date(2026, 4, 1), counties=chosen)
    seconds = time.perf_counter() - t0
    return seconds, PaymentLine.objects.filter(month=date(2026, 4, 1)).count()


def child(sizes: list[int]) -> None:
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    print("postgresql: one month's living-subsidy rolls for every 旗县")
    results = {}
    for n in sizes:
        counties = populate(n)
        bare = bare_insert(n)
        keyed = keyed_insert(n)
        seconds, lines = month_run(counties)
        assert lines == n, f"{lines} lines for {n} entitlements"
        results[n] = seconds
        print(f"    baseline, bare INSERT ... SELECT of {n:,} rows: {bare:6.2f}s")
        print(
            f"    ceiling, the same into a table with only its keys: {keyed:6.2f}s"
            f"   ratio to bare {bare / keyed:.2f} (what any design with the unique key can reach)"
        )
        print(
            f"    the month's run (108 rolls):              {seconds:6.2f}s"
            f"   {n / seconds:>9,.0f} lines/s   ratio to bare {bare / seconds:.2f}"
            " (target at least 0.3; under 60 s for 1,000,000)"
        )
    if len(sizes) > 1:
        small, big = sizes[0], sizes[-1]
        growth = results[big] / results[small]
        print(
            f"  growth: {big:,} vs {small:,} entitlements ({big / small:.0f}x the rows) took"
            f" {growth:.1f}x the time"
        )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", default="100000,1000000")
    parser.add_argument("--child", action="store_true")
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    if args.child:
        child(sizes)
        return
    import psycopg

    with psycopg.connect("postgresql://postgres@127.0.0.1:5432/postgres", autocommit=True) as c:
        c.execute(f"DROP DATABASE IF EXISTS {DB}")
        c.execute(f"CREATE DATABASE {DB}")
    env = {
        **os.environ,
        "DATABASE_URL": f"postgresql://postgres@127.0.0.1:5432/{DB}",
        "DJANGO_SETTINGS_MODULE": "onestop.settings",
        "ONESTOP_LOG_LEVEL": "WARNING",
        "ONESTOP_VAR_DIR": "/tmp/onestop-bench-var",
        "ONESTOP_DEBUG": "0",
        "PYTHONUNBUFFERED": "1",
    }
    subprocess.run(
        [sys.executable, __file__, "--child", "--sizes", args.sizes], env=env, check=True, cwd=ROOT
    )


if __name__ == "__main__":
    main()

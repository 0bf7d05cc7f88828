"""One month's payment run for every 旗县, on PostgreSQL.

Target (issue 15): with 1,000,000 active entitlements spread over the 108 旗县 of Inner Mongolia,
the month's rolls (``runs_prepare`` for every county in one pass, as ``manage.py payment_run``
runs them) in under 60 s on this 2-core machine, and at least 0.3x a bare ``INSERT ... SELECT`` of
the same number of rows (into a table shaped like the lines, without their keys), timed in the
same run; the run's cost grows linearly (100,000 beside 1,000,000).

Beside the baseline, the same INSERT into fresh tables that add, step by step, what the lines
need (their id and the unique key the issue asks for, which any design has; the look-up of a
roll's lines): the ratio each step reaches bounds the run's.

The persons and entitlements are written by SQL as set-up, outside the clock (their encryption
and checks are measured by the other benches).

The server is the bench's own (``tests/pgcluster.py``, under ``var/bench-payments/``), sized as a
production server on this machine would be (SERVER below): Debian's default ``shared_buffers`` of
128 MB is for a small shared host, and a month's lines and their indexes do not fit in it (the
ratios came out about the same on both here: the inserts are bound by the WAL they write, which
grows with each index). ``--url`` runs against another server instead (the machine's own, say). Each figure is the median of
``--rounds`` rounds, the month's lines removed between them (the machine is noisy).

Run: .venv/bin/python bench/payments.py [--sizes 100000,1000000] [--rounds 3] [--url URL]
"""

import argparse
import os
import shutil
import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[0] = str(ROOT)  # bench/calendar.py must not shadow the standard library's calendar
DB = "onestop_bench_payments"
# A quarter of this machine's 24 GiB would be 6 GB; 2 GB holds a month's lines and indexes.
SERVER = {"shared_buffers": "2GB", "max_wal_size": "8GB", "work_mem": "32MB"}


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
            INSERT INTO benefits_paymentrun (county_id, kind, month, batch, status, cursor, line_count,
              total, agent, file, digest)
            SELECT DISTINCT county_id, 'LIVING', DATE '2026-03-01', 0, 'released', 0, 0, 0, '', '', ''
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


LINE_COLUMNS = (
    "id, run_id, entitlement_id, person_id, kind, month, claim, type, amount, status, return_reason"
)
# The same rows for every table below: a line per entitlement for April, on its county's roll.
LINE_ROWS = """
    SELECT e.id, r.id, e.id, e.person_id, e.kind, DATE '2026-04-01', 0, 'regular', 100,
           'pending', ''
    FROM benefits_entitlement e
    JOIN benefits_paymentrun r ON r.county_id = e.county_id AND r.month = DATE '2026-03-01'
    ORDER BY e.id
"""
# What a table of lines needs, step by step, each step timed on its own fresh table.
LADDER = [
    ("bare", "no key at all (the baseline)", []),
    (
        "keyed",
        "+ the line's id and the unique key (the least any design with the key has)",
        [
            "ALTER TABLE {t} ADD PRIMARY KEY (id)",
            "CREATE UNIQUE INDEX ON {t} (person_id, kind, month, claim)"
            " WHERE NOT status = 'returned'",
        ],
    ),
    (
        "indexed",
        "+ the look-up of a roll's lines (the one index the lines have besides the key)",
        ["CREATE INDEX ON {t} (run_id)"],
    ),
]


def ladder(n: int) -> dict[str, float]:
    """The same INSERT ... SELECT of ``n`` lines into a fresh, empty table at each step of
    LADDER: what the keys and the look-up cost before the run does anything of its own."""
    from django.db import connection

    seconds = {}
    ddl: list[str] = []
    with connection.cursor() as c:
        for name, _, steps in LADDER:
            ddl += steps
            table = f"bench_{name}_lines"
            c.execute(f"DROP TABLE IF EXISTS {table}")
            c.execute(f"CREATE TABLE {table} (LIKE benefits_paymentline)")
            for statement in ddl:
                c.execute(statement.format(t=table))
            c.execute("CHECKPOINT")
            t0 = time.perf_counter()
            c.execute(f"INSERT INTO {table} ({LINE_COLUMNS}) {LINE_ROWS}")
            seconds[name] = time.perf_counter() - t0
            assert c.rowcount == n
            c.execute(f"DROP TABLE {table}")
    return seconds


def month_run(counties: list[str]) -> tuple[float, int]:
    from datetime import date

    from django.db import connection

    from onestop.benefits.models import PaymentLine
    from onestop.benefits.prepare import runs_prepare
    from onestop.regions.models import Region

    with connection.cursor() as c:
        c.execute("CHECKPOINT")  # as before each step of the ladder
    t0 = time.perf_counter()
    chosen = list(Region.objects.filter(code__in=counties).order_by("code"))
    runs_prepare(actor=None, kind="LIVING", month=date(2026, 4, 1), counties=chosen)
    seconds = time.perf_counter() - t0
    return seconds, PaymentLine.objects.filter(month=date(2026, 4, 1)).count()


def month_undo() -> None:
    """April's lines and rolls gone, for the next round."""
    from django.db import connection

    with connection.cursor() as c:
        c.execute("TRUNCATE benefits_paymentline_p2026_04")
        c.execute("DELETE FROM benefits_paymentrun WHERE month = DATE '2026-04-01'")
        c.execute("VACUUM ANALYZE benefits_paymentrun")


def child(sizes: list[int], rounds: int) -> None:
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    from datetime import date

    from django.db import connection

    from onestop.core import partitions

    # March's lines (last month) and April's, each in its month's partition as in production,
    # where the worker creates the months ahead.
    partitions.ensure(today=date(2026, 3, 1), ahead=1, only=["benefits_paymentline"])
    with connection.cursor() as c:
        c.execute("SHOW shared_buffers")
        (buffers,) = c.fetchone()
    print(
        f"postgresql (shared_buffers {buffers}): one month's living-subsidy rolls for every 旗县,"
        f" median of {rounds} rounds"
    )
    results = {}
    for n in sizes:
        counties = populate(n)
        laps: dict[str, list[float]] = {name: [] for name, _, _ in LADDER}
        runs: list[float] = []
        for round_ in range(rounds):
            for name, seconds in ladder(n).items():
                laps[name].append(seconds)
            seconds, lines = month_run(counties)
            assert lines == n, f"{lines} lines for {n} entitlements"
            runs.append(seconds)
            if round_ < rounds - 1:
                month_undo()
        steps = {name: statistics.median(times) for name, times in laps.items()}
        seconds = results[n] = statistics.median(runs)
        bare = steps["bare"]
        print(f"    INSERT ... SELECT of {n:,} lines into an empty table:")
        for name, label, _ in LADDER:
            print(f"      {label:<78} {steps[name]:6.2f}s   ratio to bare {bare / steps[name]:.2f}")
        print(
            f"    the month's run (108 rolls, into the lines of last month):"
            f" {seconds:6.2f}s   {n / seconds:>9,.0f} lines/s   ratio to bare {bare / seconds:.2f}"
            " (target at least 0.3; under 60 s for 1,000,000)"
        )
        print(f"      rounds: run {_seconds(runs)}; bare {_seconds(laps['bare'])}")
    if len(sizes) > 1:
        small, big = sizes[0], sizes[-1]
        growth = results[big] / results[small]
        print(
            f"  growth: {big:,} vs {small:,} entitlements ({big / small:.0f}x the rows) took"
            f" {growth:.1f}x the time"
        )


def _seconds(times: list[float]) -> str:
    return " ".join(f"{t:.2f}s" for t in times)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", default="100000,1000000")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--url", help="a server of your own (its postgres database) instead")
    parser.add_argument("--child", action="store_true")
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    if args.child:
        child(sizes, args.rounds)
        return
    import psycopg

    from tests.pgcluster import Cluster

    cluster = None
    if args.url:
        server = args.url
    else:
        cluster = Cluster(ROOT / "var" / "bench-payments", free_port()).start(SERVER)
        server = cluster.url()
    try:
        with psycopg.connect(server, autocommit=True) as c:
            c.execute(f"DROP DATABASE IF EXISTS {DB}")
            c.execute(f"CREATE DATABASE {DB}")
        env = {
            **os.environ,
            "DATABASE_URL": server.rsplit("/", 1)[0] + f"/{DB}",
            "DJANGO_SETTINGS_MODULE": "onestop.settings",
            "ONESTOP_LOG_LEVEL": "WARNING",
            "ONESTOP_VAR_DIR": "/tmp/onestop-bench-var",
            "ONESTOP_DEBUG": "0",
            "PYTHONUNBUFFERED": "1",
        }
        command = [sys.executable, __file__, "--child", "--sizes", args.sizes]
        subprocess.run([*command, "--rounds", str(args.rounds)], env=env, check=True, cwd=ROOT)
    finally:
        if cluster:
            cluster.stop()
            shutil.rmtree(cluster.root, ignore_errors=True)


if __name__ == "__main__":
    main()

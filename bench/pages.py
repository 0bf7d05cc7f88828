"""Server time and SQL queries of the officer's queue page and the matter page.

Target (issue 5): with 1,000,000 matters on PostgreSQL, p95 under 150 ms for both pages, and a
number of queries per page that does not grow with the rows shown. The baseline measured in the
same run is the signed-in home page (a few small queries).

Run: .venv/bin/python bench/pages.py [--matters 1000000] [--sqlite]
"""

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[0] = str(ROOT)  # bench/calendar.py must not shadow the standard library's calendar
sys.path.append(str(ROOT / "bench"))


def measure(client, url: str, runs: int) -> tuple[float, float, int]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    times, queries = [], 0
    for _ in range(runs):
        with CaptureQueriesContext(connection) as captured:
            t0 = time.perf_counter()
            response = client.get(url)
            times.append(time.perf_counter() - t0)
        assert response.status_code == 200, (url, response.status_code)
        queries = len(captured)
    times.sort()
    return statistics.median(times) * 1000, times[int(len(times) * 0.95)] * 1000, queries


def child(matters: int) -> None:
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.db.models import Count
    from django.test import Client
    from django.test.utils import setup_test_environment
    from intake import make_people, populate

    from onestop.accounts.services import staff_user_create
    from onestop.cases.models import Matter, Step
    from onestop.core import clock
    from onestop.regions.models import OrgUnit

    setup_test_environment()
    call_command("migrate", verbosity=0)
    make_people(300)
    t0 = time.perf_counter()
    populate(matters, open_matters=10_000)
    load = time.perf_counter() - t0
    if connection.vendor == "postgresql":
        with connection.cursor() as c:
            c.execute("ANALYZE")
    # The county 残联 with the most open work: the worst queue to be in.
    busiest = (
        Step.objects.filter(status="active", role="cdpf_reviewer")
        .values("unit")
        .annotate(n=Count("pk"))
        .order_by("-n")
        .first()
    )
    user = staff_user_create(
        actor=None,
        username="bench_pages",
        display_name="经办",
        role="cdpf_reviewer",
        org_unit=OrgUnit.objects.get(pk=busiest["unit"]),
        password="Bench-password-2026",
    )
    client = Client()
    assert (
        client.post(
            "/accounts/login/", {"username": "bench_pages", "password": "Bench-password-2026"}
        ).status_code
        == 302
    )
    step = Step.objects.filter(unit=user.org_unit, status="active").order_by("due_date").first()
    print(
        f"{connection.vendor}: {Matter.objects.count():,} matters (loaded in {load:.0f}s); "
        f"the officer's unit has {Step.objects.filter(unit=user.org_unit, status='active').count()} open steps"
    )
    with clock.frozen(__import__("intake").DAY):
        rows = {}
        for name, url in (
            ("home page (baseline)", "/workbench/"),
            ("queue page, 20 rows", "/workbench/queue/?tab=mine"),
            (
                "queue page, 1 row",
                f"/workbench/queue/?tab=mine&due_from={step.due_date}&due_to={step.due_date}&matter={step.matter.kind}",
            ),
            ("matter page", f"/workbench/matters/{step.matter_id}/"),
        ):
            client.get(url)  # warm the caches
            p50, p95, queries = measure(client, url, 100)
            rows[name] = queries
            print(f"  {name:<24} p50 {p50:7.2f} ms   p95 {p95:7.2f} ms   {queries:3d} queries")
    same = rows["queue page, 20 rows"] == rows["queue page, 1 row"]
    print(
        f"  queries per queue page {'do not' if same else 'DO'} grow with the rows shown; target p95 < 150 ms"
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--matters", type=int, default=1_000_000)
    parser.add_argument(
        "--sqlite", action="store_true", help="measure on SQLite instead of PostgreSQL"
    )
    parser.add_argument("--child", type=int)
    args = parser.parse_args()
    if args.child:
        child(args.child)
        return
    if args.sqlite:
        db = Path("/tmp/onestop-bench-pages.sqlite3")
        for suffix in ("", "-wal", "-shm"):
            Path(f"{db}{suffix}").unlink(missing_ok=True)
        url = f"sqlite:///{db}"
    else:
        import psycopg

        with psycopg.connect("postgresql://postgres@127.0.0.1:5432/postgres", autocommit=True) as c:
            c.execute("DROP DATABASE IF EXISTS onestop_bench_pages")
            c.execute("CREATE DATABASE onestop_bench_pages")
        url = "postgresql://postgres@127.0.0.1:5432/onestop_bench_pages"
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "DJANGO_SETTINGS_MODULE": "onestop.settings",
        "ONESTOP_LOG_LEVEL": "WARNING",
        "ONESTOP_VAR_DIR": "/tmp/onestop-bench-var",
        "ONESTOP_DEBUG": "0",  # as in production: no query log
    }
    subprocess.run(
        [sys.executable, __file__, "--child", str(args.matters)], env=env, check=True, cwd=ROOT
    )


if __name__ == "__main__":
    main()

"""Eligibility throughput: pure assessments, and the 免申即享 scan over a large registry.

Targets (issue 3): 20,000 assessments/s of all five matters on one core; the scan over 100,000
registry persons measured on SQLite and PostgreSQL. Figures are printed with a baseline measured
in the same run, never asserted.

Run: .venv/bin/python bench/eligibility.py [--persons 100000] [--skip-postgres]
"""

import argparse
import os
import random
import subprocess
import sys
import time
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# bench/ holds a calendar.py; the project root replaces it on the path so the standard
# library's calendar module is not shadowed.
sys.path[0] = str(ROOT)
DAY = date(2026, 11, 29)
HAILAR = ("150000", "150700", "150702", "150702001")


def random_facts(rng: random.Random):
    from onestop.policy.facts import Certificate, CertStatus, Dibao, Facts, Tekun

    def b(p=0.5):
        return rng.random() < p

    return Facts(
        birth_date=DAY - timedelta(days=rng.randrange(5 * 365, 90 * 365)),
        hukou_path=HAILAR,
        student=b(0.1),
        certificate=Certificate(
            rng.randint(1, 7),
            rng.randint(1, 4),
            DAY + timedelta(days=rng.randrange(-400, 3000)),
            CertStatus.VALID,
        )
        if b(0.8)
        else False,
        dibao=rng.choice(list(Dibao)),
        dibao_marginal=b(0.2),
        low_income=b(0.2),
        tekun=rng.choice([Tekun.NONE] * 8 + [Tekun.DISPERSED, Tekun.CENTRALIZED]),
        orphan_support=b(0.05),
        work_injury_nursing=b(0.05),
        employee_pension=b(0.2),
        resident_pension=b(0.6),
        resident_medical=b(0.9),
        long_term_care=b(0.4),
        deceased=False,
        imprisoned=False,
    )


def bench_rules() -> float:
    from onestop.policy.parameters import RuleParams
    from onestop.policy.rules import assess

    rng = random.Random(3)
    facts = [random_facts(rng) for _ in range(20_000)]
    params = RuleParams.defaults()
    best = 0.0
    for _ in range(3):
        t0 = time.perf_counter()
        for f in facts:
            assess(f, params, "150702", DAY)
        best = max(best, len(facts) / (time.perf_counter() - t0))
    # Baseline in the same run: building the facts again (the cheapest thing done per person).
    t0 = time.perf_counter()
    for f in facts:
        replace(f, student=False)
    copy_rate = len(facts) / (time.perf_counter() - t0)
    print("Pure rules (one core), 20,000 generated persons, all five matters each")
    print(f"  assessments (persons x 5 matters) per second: {best:>10,.0f}   target 20,000")
    print(f"  baseline: copying one Facts per person:        {copy_rate:>10,.0f}/s")
    print(f"  an assessment costs {copy_rate / best:.1f}x a Facts copy")
    return best


def populate(n: int) -> None:
    """Bulk-load n registry persons (setup only: bypasses the services for speed)."""
    from onestop.core import pii
    from onestop.people.identifiers import check_digit
    from onestop.people.models import ID_CONTEXT, Certificate, Person, SharedRecord
    from onestop.regions.models import Region

    townships = list(
        Region.objects.filter(code__startswith="1507", level="township").values_list(
            "code", flat=True
        )
    )
    rng = random.Random(5)
    as_of = datetime(2026, 1, 1, tzinfo=UTC)
    batch = 5000
    for start in range(0, n, batch):
        persons, numbers = [], []
        for i in range(start, min(n, start + batch)):
            township = rng.choice(townships)
            birth = DAY - timedelta(days=rng.randrange(5 * 365, 90 * 365))
            first17 = f"{township[:6]}{birth:%Y%m%d}{i % 1000:03d}"
            number = first17 + check_digit(first17)
            p = Person(
                name="测试",
                sex="M" if i % 2 else "F",
                birth_date=birth,
                hukou_region_id=township,
                dibao_category=rng.choice(["none", "none", "urban", "rural"]),
                tekun_category="dispersed" if rng.random() < 0.05 else "none",
            )
            p.id_number_cipher = pii.encrypt(number, context="people.person.id_number")
            p.id_number_index = pii.blind_index(f"{number}#{i}", context=ID_CONTEXT)
            persons.append(p)
            numbers.append(number)
        Person.objects.bulk_create(persons)
        certs, shared = [], []
        for p, number in zip(persons, numbers, strict=True):
            if rng.random() < 0.7:
                c = Certificate(
                    person=p,
                    category=rng.randint(1, 7),
                    level=rng.randint(1, 4),
                    issue_date=date(2022, 1, 1),
                    valid_until=date(2032, 1, 1),
                )
                c.number_cipher = pii.encrypt(number + "11", context="people.certificate.number")
                c.number_index = pii.blind_index(f"{number}#{p.pk}", context="certificate_number")
                certs.append(c)
            for fact in ("long_term_care", "work_injury_nursing", "employee_pension", "student"):
                shared.append(
                    SharedRecord(
                        person=p,
                        fact=fact,
                        value=rng.random() < 0.3,
                        source="bench",
                        source_time=as_of,
                    )
                )
        Certificate.objects.bulk_create(certs)
        SharedRecord.objects.bulk_create(shared)


def scan_child(n: int) -> None:
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from onestop.policy import registry
    from onestop.policy.services import proactive_scan

    call_command("migrate", verbosity=0)
    t0 = time.perf_counter()
    populate(n)
    load = time.perf_counter() - t0
    t0 = time.perf_counter()
    read = 0
    last = 0
    # Baseline: read the same batches and build the same facts, without rules or writes.
    while batch := registry.facts_batch(last, 2000, DAY):
        last = batch[-1][0]
        read += len(batch)
    read_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    report = proactive_scan(day=DAY)
    scan_s = time.perf_counter() - t0
    vendor = connection.vendor
    print(f"Proactive scan on {vendor}: {n:,} persons (loaded in {load:.1f}s)")
    print(f"  baseline, read and build facts:    {read / read_s:>9,.0f} persons/s ({read_s:.1f}s)")
    print(
        f"  scan (facts, rules, findings):     {report.persons / scan_s:>9,.0f} persons/s ({scan_s:.1f}s)"
    )
    print(f"  scan costs {scan_s / read_s:.1f}x the bare read; findings opened: {report.opened:,}")


def run_scan(url: str, n: int) -> None:
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "DJANGO_SETTINGS_MODULE": "onestop.settings",
        "ONESTOP_LOG_LEVEL": "WARNING",
    }
    subprocess.run([sys.executable, __file__, "--child", str(n)], env=env, check=True, cwd=ROOT)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--persons", type=int, default=100_000)
    parser.add_argument("--skip-postgres", action="store_true")
    parser.add_argument("--child", type=int)
    args = parser.parse_args()
    if args.child:
        scan_child(args.child)
        return
    bench_rules()
    print()
    sqlite = Path("/tmp/onestop-bench.sqlite3")
    for suffix in ("", "-wal", "-shm"):
        Path(f"{sqlite}{suffix}").unlink(missing_ok=True)
    run_scan(f"sqlite:///{sqlite}", args.persons)
    if not args.skip_postgres:
        import psycopg

        with psycopg.connect("postgresql://postgres@127.0.0.1:5432/postgres", autocommit=True) as c:
            c.execute("DROP DATABASE IF EXISTS onestop_bench")
            c.execute("CREATE DATABASE onestop_bench")
        print()
        run_scan("postgresql://postgres@127.0.0.1:5432/onestop_bench", args.persons)


if __name__ == "__main__":
    main()

"""Shared-data upsert and webhook delivery, on PostgreSQL.

Targets (issue 16, restating issue 7's): 1,000,000 certificate records through ``import_records``,
in requests of 5,000 as the API takes them, synced end to end (the requests and the queued
免申即享 re-check) in at most 60 s with two clients; and their inserts with two clients at least
0.5x the "COPY of ready rows into the certificate table" ceiling below, measured in the same run.
Also webhook deliveries per second to a receiver on 127.0.0.1, beside the rate of bare signed
POSTs to the same receiver.

The upsert runs twice: first every certificate is new (inserts), then every one has a newer
version (updates). Two more figures bound what any upsert can reach, whatever its design: ``COPY``
of rows already checked, matched and encrypted (outside the clock) straight into the certificate
table, with its unique key, indexes and foreign key; and the per-record work in Python alone
(checks, the two keyed hashes, SM4 encryption), with no database. Looking again for 免申即享
matters, which the sync queues for the worker, is timed on its own.

The upsert is timed from one client, then from two at once (two API workers, each its own process
and connection, as in production).

Run: .venv/bin/python bench/exchange.py [--records 1000000] [--webhooks 3000]
"""

import argparse
import multiprocessing
import os
import subprocess
import sys
import time
from datetime import date, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[0] = str(ROOT)  # bench/calendar.py must not shadow the standard library's calendar

COUNTIES = ["150702", "150703", "150721", "150781", "150782", "150783"]
REQUEST = 5_000
DB = "onestop_bench_exchange"


def id_numbers(n: int) -> list[str]:
    from onestop.people.identifiers import check_digit

    out = []
    for i in range(n):
        j = i // len(COUNTIES)
        born = date(1950, 1, 1) + timedelta(days=j % 18_000)
        first17 = f"{COUNTIES[i % len(COUNTIES)]}{born:%Y%m%d}{j // 18_000:03d}"
        out.append(first17 + check_digit(first17))
    return out


def populate_people(numbers: list[str]) -> None:
    """Set-up only (not timed against anything): the registry the certificates refer to."""
    from onestop.people.models import Person
    from onestop.regions.models import Region

    townships = {
        c: list(Region.objects.filter(parent_id=c).values_list("code", flat=True)) for c in COUNTIES
    }
    batch = []
    for i, number in enumerate(numbers):
        p = Person(
            name="测试",
            sex="M" if int(number[16]) % 2 else "F",
            birth_date=date(int(number[6:10]), int(number[10:12]), int(number[12:14])),
            hukou_region_id=townships[number[:6]][i % len(townships[number[:6]])],
            dibao_category="rural" if i % 3 else "urban",
        )
        p.set_id_number(number)
        batch.append(p)
        if len(batch) == 10_000:
            Person.objects.bulk_create(batch)
            batch = []
    Person.objects.bulk_create(batch)


def records(numbers: list[str], version: str, status: str) -> list[dict]:
    return [
        {
            "id_number": n,
            "type": "certificate",
            "value": {
                "number": f"{n}{1 + i % 7}{1 + i % 4}",
                "issue_date": f"20{10 + i % 15}-0{1 + i % 9}-1{i % 10}",
                "status": status,
            },
            "source": "残疾人证管理系统",
            "version": version,
        }
        for i, n in enumerate(numbers)
    ]


def copy_baseline(rows: list[dict]) -> float:
    from django.db import connection

    with connection.cursor() as c:
        c.execute("DROP TABLE IF EXISTS bench_copy")
        c.execute(
            "CREATE TABLE bench_copy (id_number text, type text, number text, issue_date date,"
            " status text, source text, version timestamptz)"
        )
    raw = connection.connection
    t0 = time.perf_counter()
    with (
        raw.cursor() as cur,
        cur.copy(
            "COPY bench_copy (id_number, type, number, issue_date, status, source, version)"
            " FROM STDIN"
        ) as copy,
    ):
        for r in rows:
            v = r["value"]
            copy.write_row(
                (
                    r["id_number"],
                    r["type"],
                    v["number"],
                    v["issue_date"],
                    v["status"],
                    r["source"],
                    r["version"],
                )
            )
    raw.commit()
    return time.perf_counter() - t0


def copy_into_table(rows: list[dict]) -> float:
    """COPY of ready certificate rows into the certificate table itself, then emptied again."""
    from django.db import connection, transaction

    from onestop.core.bulk import insert_rows
    from onestop.core.pii import blind_indexer
    from onestop.people.models import CERT_CONTEXT, Certificate, Person
    from onestop.people.services import certificate_default_expiry
    from onestop.people.shared_data import CERTIFICATE_NEW

    people = list(Person.objects.order_by("pk").values_list("pk", flat=True))  # as populated
    index = blind_indexer(CERT_CONTEXT)
    ready = []
    for pk, r in zip(people, rows, strict=True):
        v = r["value"]
        issued = date.fromisoformat(v["issue_date"])
        ready.append(
            (
                pk,
                Certificate.seal_number(v["number"]),
                index(v["number"]),
                int(v["number"][18]),
                int(v["number"][19]),
                issued,
                certificate_default_expiry(issued),
                v["status"],
                r["source"],
                datetime.fromisoformat(r["version"]),
            )
        )
    t0 = time.perf_counter()
    with transaction.atomic():  # the foreign key is checked at commit
        for start in range(0, len(ready), REQUEST):
            insert_rows(Certificate, CERTIFICATE_NEW, ready[start : start + REQUEST])
    seconds = time.perf_counter() - t0
    with connection.cursor() as c:
        c.execute(f"TRUNCATE {Certificate._meta.db_table} CASCADE")  # the bench has no matters
    return seconds


def checks_only(rows: list[dict]) -> float:
    """What every record costs before any database work: checking it, keying and encrypting."""
    from onestop.core import pii
    from onestop.exchange.sync.certificates import CertificateParser
    from onestop.people.models import CERT_NUMBER_CONTEXT

    t0 = time.perf_counter()
    for start in range(0, len(rows), REQUEST):
        parser = CertificateParser(None)
        seal = pii.encrypter(CERT_NUMBER_CONTEXT)
        for i, r in enumerate(rows[start : start + REQUEST]):
            seal(parser.row(i, r).number)
    return time.perf_counter() - t0


_ROWS: list[dict] = []  # what forked clients share


def _client(k: int, clients: int) -> int:
    """One department system's sender: every ``clients``-th request, from the ``k``-th."""
    from django.db import connections

    from onestop.exchange.sync import import_records

    applied = 0
    for start in range(k * REQUEST, len(_ROWS), clients * REQUEST):
        results = import_records(actor=None, records=_ROWS[start : start + REQUEST])
        applied += sum(1 for r in results if r.status == "applied")
    connections.close_all()
    return applied


def upsert(rows: list[dict], clients: int) -> tuple[float, int]:
    """Requests of 5,000 through ``import_records``, from one client or several at once (as the
    API's workers would take them), each client its own process and connection."""
    global _ROWS
    from django.db import connections

    _ROWS = rows
    connections.close_all()
    t0 = time.perf_counter()
    if clients == 1:
        applied = _client(0, 1)
    else:
        with multiprocessing.get_context("fork").Pool(clients) as pool:
            applied = sum(pool.starmap(_client, [(k, clients) for k in range(clients)]))
    return time.perf_counter() - t0, applied


def rescan_only(n: int) -> float:
    from onestop.core import clock
    from onestop.people.models import Person
    from onestop.policy.services import proactive_rescan

    ids = list(Person.objects.order_by("pk").values_list("pk", flat=True)[:n])
    t0 = time.perf_counter()
    for start in range(0, len(ids), REQUEST):
        proactive_rescan(person_ids=ids[start : start + REQUEST], day=clock.today())
    return time.perf_counter() - t0


def bench_upsert(n: int) -> None:
    from django.db import connection

    from onestop.people.models import Certificate

    numbers = id_numbers(n)
    t0 = time.perf_counter()
    populate_people(numbers)
    with connection.cursor() as c:
        c.execute("ANALYZE")
    print(f"postgresql: {n:,} persons registered for the run in {time.perf_counter() - t0:.0f}s")
    first = records(numbers, "2026-11-01T10:00:00+08:00", "valid")
    copy_s = copy_baseline(first)
    print(f"  baseline: COPY of the same {n:,} rows into a plain table: {n / copy_s:>9,.0f} rows/s")
    table_s = copy_into_table(first)
    print(
        f"  ceiling: COPY of ready rows into the certificate table:   {n / table_s:>9,.0f} rows/s"
        f"   ratio to COPY {copy_s / table_s:.3f}"
    )
    checks_s = checks_only(first)
    print(
        f"  ceiling: checking, keying, encrypting (no database):     {n / checks_s:>9,.0f} records/s"
        f"   ratio to COPY {copy_s / checks_s:.3f} (one core)"
    )
    newer = records(numbers, "2026-11-20T10:00:00+08:00", "expired")
    timed: dict[tuple[int, str], float] = {}
    for clients in (1, 2):
        with connection.cursor() as c:
            c.execute(f"TRUNCATE {Certificate._meta.db_table} CASCADE")  # the bench has no matters
        print(f"  upsert, {'one client' if clients == 1 else f'{clients} clients at once'}:")
        for label, rows in (
            ("new certificates (inserts)", first),
            ("newer versions (updates)", newer),
        ):
            seconds, applied = upsert(rows, clients)
            assert applied == n, f"{applied} of {n} applied"
            timed[clients, label] = seconds
            print(
                f"    {label:<26}: {n / seconds:>9,.0f} records/s ({seconds:.0f}s)"
                f"   ratio to COPY {copy_s / seconds:.3f}, to the ceiling {table_s / seconds:.2f}"
            )
        assert Certificate.objects.filter(status="expired").count() == n
    with connection.cursor() as c:
        c.execute("ANALYZE")  # as autovacuum would have by now (it is off on some machines)
    sample = min(n, 100_000)
    share = rescan_only(sample) * n / sample
    print(
        f"  then, by the worker: looking again for 免申即享 matters, {n / share:,.0f} persons/s"
        f" (timed over {sample:,} persons)"
    )
    inserts = timed[2, "new certificates (inserts)"]
    print(
        f"  two clients: inserts at {table_s / inserts:.2f} of the ceiling (target at least 0.5);"
        f" end to end, the inserts then the re-check, {inserts + share:.0f}s (target at most 60s)"
    )


def receiver(port: int) -> None:
    """A department system's endpoint in its own process, so it does not share the GIL."""
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            self.rfile.read(int(self.headers["Content-Length"]))
            self.send_response(200)
            self.end_headers()
            self.wfile.write(b"{}")

        def log_message(self, *args):
            pass

    ThreadingHTTPServer(("127.0.0.1", port), Handler).serve_forever()


def bench_webhooks(m: int, port: int) -> None:
    import urllib.request

    from django.db import transaction

    from onestop.exchange.services import subscription_create
    from onestop.outbox import signing
    from onestop.outbox.models import Delivery, OutboxEvent
    from onestop.outbox.services import emit
    from onestop.outbox.webhooks import body_of, deliver_due
    from onestop.regions.models import OrgUnit

    unit = OrgUnit.objects.get(code="medical-150702")
    url = f"http://127.0.0.1:{port}/hook"
    _, secret = subscription_create(actor=None, unit=unit, url=url)
    with transaction.atomic():
        events = [
            emit(
                topic=OutboxEvent.Topic.BENEFIT_STOPPED,
                payload={"person": i, "kinds": ["LIVING"], "last_paid_month": "2026-11"},
                unit=unit,
            )
            for i in range(m)
        ]
    t0 = time.perf_counter()
    for event in events:
        body = body_of(event)
        request = urllib.request.Request(
            url,
            data=body,
            method="POST",
            headers=signing.headers(secret.encode(), str(event.event_id), body, "hmac-sm3"),
        )
        with urllib.request.urlopen(request, timeout=5) as response:
            assert response.status == 200
    bare = time.perf_counter() - t0
    t0 = time.perf_counter()
    while Delivery.objects.filter(status=Delivery.Status.PENDING).exists():
        deliver_due(limit=500)
    worker = time.perf_counter() - t0
    assert Delivery.objects.filter(status=Delivery.Status.DELIVERED).count() == m
    print(f"  webhooks to a receiver on 127.0.0.1 ({m:,} events, one worker):")
    print(f"    baseline, bare signed POSTs:  {m / bare:>7,.0f}/s")
    print(
        f"    delivered by the worker:      {m / worker:>7,.0f}/s"
        f"   ratio {bare / worker:.2f} (lease, send, record each delivery)"
    )


def child(n: int, m: int, port: int) -> None:
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    bench_upsert(n)
    bench_webhooks(m, port)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--records", type=int, default=1_000_000)
    parser.add_argument("--webhooks", type=int, default=3_000)
    parser.add_argument("--child", action="store_true")
    parser.add_argument("--receiver", type=int)
    parser.add_argument("--port", type=int, default=18_777)
    args = parser.parse_args()
    if args.receiver:
        receiver(args.receiver)
        return
    if args.child:
        child(args.records, args.webhooks, args.port)
        return
    import psycopg

    with psycopg.connect("postgresql://postgres@127.0.0.1:5432/postgres", autocommit=True) as c:
        c.execute(f"DROP DATABASE IF EXISTS {DB}")
        c.execute(f"CREATE DATABASE {DB}")
    hook = subprocess.Popen([sys.executable, __file__, "--receiver", str(args.port)], cwd=ROOT)
    env = {
        **os.environ,
        "DATABASE_URL": f"postgresql://postgres@127.0.0.1:5432/{DB}",
        "DJANGO_SETTINGS_MODULE": "onestop.settings",
        "ONESTOP_LOG_LEVEL": "WARNING",
        "ONESTOP_VAR_DIR": "/tmp/onestop-bench-var",
        "ONESTOP_DEBUG": "0",
        "ONESTOP_WEBHOOK_DELIVER_ON_COMMIT": "0",  # the worker below does the sending
    }
    try:
        subprocess.run(
            [
                sys.executable,
                __file__,
                "--child",
                "--records",
                str(args.records),
                "--webhooks",
                str(args.webhooks),
                "--port",
                str(args.port),
            ],
            env=env,
            check=True,
            cwd=ROOT,
        )
    finally:
        hook.terminate()


if __name__ == "__main__":
    main()

"""A run killed (SIGKILL) between two chunks and started again by a fresh process writes exactly
the roll an uninterrupted run writes: nothing lost, nothing twice."""

import os
import subprocess
import sys
from collections import Counter
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from django.db import connection

from onestop.benefits.models import Entitlement, Kind, PaymentLine, PaymentRun
from onestop.core import partitions
from onestop.regions.models import Region

from .. import factories
from ..test_worker_crash import ROOT, database_url

pytestmark = pytest.mark.django_db(transaction=True)

MONTH = date(2026, 4, 1)
POSTGRESQL = connection.vendor == "postgresql"
# Prepare the roll, chunk by chunk; after the third chunk the process kills itself outright.
CRASHING = """
import os, signal, django
django.setup()
from datetime import date
from onestop.benefits.prepare import run_prepare
from onestop.regions.models import Region

def progress(done, total):
    if done >= 3:
        os.kill(os.getpid(), signal.SIGKILL)

run_prepare(actor=None, county=Region.objects.get(code="{county}"), kind="LIVING",
            month=date(2026, 4, 1), chunk=1, progress=progress)
"""
# The pass over every county at once (what ``payment_run`` does), killed after its second chunk.
CRASHING_ALL = """
import os, signal, django
django.setup()
from datetime import date
from onestop.benefits.prepare import runs_prepare
from onestop.regions.models import Region

def progress(done, total):
    if done >= 4:
        os.kill(os.getpid(), signal.SIGKILL)

counties = list(Region.objects.filter(code__in={counties!r}).order_by("code"))
runs_prepare(actor=None, kind="LIVING", month=date(2026, 4, 1), counties=counties, chunk=2,
             progress=progress)
"""


def _entitled(county: str, township: str, n: int) -> None:
    """``n`` people entitled since January, February or April (some are owed 补发)."""
    for i in range(n):
        person = factories.person(township, name="测试" + "甲乙丙丁戊己庚辛"[i])
        Entitlement.objects.create(
            person=person,
            kind=Kind.LIVING,
            county_id=county,
            amount=Decimal(100),
            start=date(2026, (1, 2, 4)[i % 3], 1),
            created_at=datetime(2026, 3, 1, tzinfo=UTC),
        )


def _roll(county: str) -> Counter:
    run = PaymentRun.objects.get(county_id=county, kind=Kind.LIVING, month=MONTH)
    assert run.status == "prepared"
    lines = Counter(
        (line.person.name, f"{line.month:%Y-%m}", line.type, line.amount)
        for line in run.lines.select_related("person")
    )
    assert (run.line_count, run.total) == (
        sum(lines.values()),
        sum(amount * n for (_, _, _, amount), n in lines.items()),
    )
    return lines


def _manage(*args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "onestop.settings"}
    env |= {"DATABASE_URL": database_url(), "ONESTOP_DB_CONN_MAX_AGE": "0"}
    return subprocess.run(  # noqa: S603 - our own interpreter and script
        [sys.executable, *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )


def test_a_run_killed_midway_and_started_again_writes_the_uninterrupted_roll(reference_data):
    _entitled("150702", "150702001", 8)  # 海拉尔区: killed midway
    _entitled("150781", Region.objects.get(code="150781").children.order_by("code")[0].code, 8)

    crashed = _manage("-c", CRASHING.format(county="150702"))
    assert crashed.returncode == -9, crashed.stderr
    run = PaymentRun.objects.get(county_id="150702", month=MONTH)
    assert run.status == "preparing" and run.lines.filter(type="regular").count() == 3

    for county in ("150702", "150781"):  # the fresh process resumes; the other runs whole
        done = _manage("manage.py", "payment_run", "--month", "2026-04", "--county", county)
        assert done.returncode == 0, done.stderr
    assert "名册 23 笔，合计 2300.00 元" in done.stdout  # 8 for April, 15 months owed

    assert _roll("150702") == _roll("150781")
    assert sum(_roll("150702").values()) == 23


def _rolls() -> Counter:
    return Counter(
        (line.run.county_id, line.person.name, f"{line.month:%Y-%m}", line.type, line.amount)
        for line in PaymentLine.objects.filter(run__month=MONTH).select_related("run", "person")
    )


def _april_partition(present: bool) -> int | None:
    """On PostgreSQL, April's partition of the lines made or removed (empty here, the test
    database flushed); the lines in it. The run writes into the partition when the month has
    one, else through the table (into DEFAULT)."""
    if not POSTGRESQL:
        return None
    name = partitions.partition_name("benefits_paymentline", MONTH)
    if present:
        partitions.ensure(today=MONTH, ahead=0, only=["benefits_paymentline"])
    else:
        with connection.cursor() as cursor:
            cursor.execute(f'DROP TABLE IF EXISTS "{name}"')
    return partitions.count_rows(name) if present else None


def test_the_pass_over_every_county_killed_midway_resumes_to_the_uninterrupted_rolls(
    reference_data,
):
    _april_partition(present=False)  # PostgreSQL: the first passes through the table
    counties = ["150702", "150724", "150781"]
    for county in counties:  # interleaved, so each chunk holds several counties' people
        _entitled(county, Region.objects.get(code=county).children.order_by("code")[0].code, 4)
    for county in counties:
        _entitled(county, Region.objects.get(code=county).children.order_by("code")[1].code, 3)

    crashed = _manage("-c", CRASHING_ALL.format(counties=counties))
    assert crashed.returncode == -9, crashed.stderr
    runs = PaymentRun.objects.filter(month=MONTH)
    assert {r.status for r in runs} == {"preparing"} and 0 < _regular_lines() < 21

    done = _manage("manage.py", "payment_run", "--month", "2026-04", "--kind", "LIVING")
    assert done.returncode == 0, done.stderr
    resumed = _rolls()
    assert {r.status for r in runs.all()} == {"prepared"}

    PaymentLine.objects.filter(run__month=MONTH).delete()  # and once more, uninterrupted
    PaymentRun.objects.filter(month=MONTH).delete()
    assert _april_partition(present=True) == (0 if POSTGRESQL else None)  # into April's
    again = _manage("manage.py", "payment_run", "--month", "2026-04", "--kind", "LIVING")
    assert again.returncode == 0, again.stderr
    assert resumed == _rolls()
    assert _april_partition(present=True) == (21 if POSTGRESQL else None)  # owed months: theirs
    assert sum(resumed.values()) == 21 + 39  # April for 21 people, 39 months owed back
    assert len({county for county, *_ in resumed}) == 3


def _regular_lines() -> int:
    return PaymentLine.objects.filter(run__month=MONTH, type="regular").count()

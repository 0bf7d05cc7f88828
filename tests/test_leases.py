"""Task leases expire, so a worker that dies holding one blocks the task only for a while; and a
text held by a dead worker is sent once its row lease runs out, never by two workers at once."""

import threading
import time
from datetime import UTC, datetime, timedelta

import pytest
from django.conf import settings as django_settings
from django.db import connection

from onestop.core import clock, leases
from onestop.notices.models import Notice, SmsMessage
from onestop.notices.services import send_pending

# The database lease on every leg; the Redis one where Redis is configured (the PostgreSQL leg).
BACKENDS = ["database"] + (["redis"] if django_settings.REDIS_URL else [])


@pytest.fixture(params=BACKENDS)
def backend(request, settings, transactional_db):
    if request.param == "database":
        settings.REDIS_URL = ""
    settings.HUEY = {**settings.HUEY, "name": f"lease-test-{time.monotonic_ns()}"}
    return request.param


def test_a_dead_workers_lease_runs_out_and_the_task_runs_again(backend, settings):
    settings.TASK_LEASE_SECONDS = 0.5
    runs = []

    @leases.leased("sweep")
    def sweep():
        runs.append(1)
        return "done"

    assert leases.acquire("sweep", "killed-worker")  # a worker took it and was killed
    assert sweep() is None and runs == []  # held: skipped, not run
    time.sleep(0.7)
    assert sweep() == "done" and runs == [1]
    assert leases.acquire("sweep", "next-run")  # released when the task finished
    leases.release("sweep", "someone-else")  # only the holder can release it
    assert not leases.acquire("sweep", "third")


def test_a_task_that_runs_longer_than_its_lease_keeps_it(backend, settings):
    settings.TASK_LEASE_SECONDS = 0.6
    taken_meanwhile = []

    @leases.leased("figures")
    def long_task():
        time.sleep(1.5)  # two and a half lease lengths
        taken_meanwhile.append(leases.acquire("figures", "another-worker"))

    worker = threading.Thread(target=long_task)
    worker.start()
    worker.join(10)
    assert taken_meanwhile == [False]
    assert leases.acquire("figures", "after")


def test_a_text_held_by_a_dead_worker_is_sent_once_when_its_lease_runs_out(db, settings):
    settings.NOTICE_LEASE_SECONDS = 60
    taken = datetime(2026, 5, 6, 9, 0, tzinfo=UTC)
    notice = Notice.objects.create(
        event="accepted",
        channel=Notice.Channel.SMS,
        phone="13847000001",
        text="【一件事一次办】测试",
        created_at=taken,
        lease_until=taken + timedelta(seconds=60),  # a worker leased it at 9:00 and died
    )
    with clock.frozen(taken + timedelta(seconds=30)):
        assert send_pending() == 0  # still leased: nobody else sends it meanwhile
    assert not SmsMessage.objects.exists()
    with clock.frozen(taken + timedelta(seconds=61)):
        assert send_pending() == 1
        assert send_pending() == 0
    notice.refresh_from_db()
    assert notice.status == Notice.Status.SENT and notice.lease_until is None
    assert SmsMessage.objects.filter(phone="13847000001").count() == 1


def test_a_periodic_task_runs_once_per_period_however_many_consumers_schedule_it(backend, settings):
    runs = []

    @leases.leased("press", every=timedelta(days=1))
    def press():
        runs.append(clock.now())
        if len(runs) == 2:
            raise RuntimeError("the consumer died")  # killed midway: the period is not done
        return "pressed"

    morning = datetime(2026, 12, 2, 1, 10, tzinfo=UTC)  # 09:10 in Beijing
    with clock.frozen(morning):
        assert press() == "pressed"  # the first consumer's run
        assert press() is None  # the second consumer scheduled it too: skipped
    with clock.frozen(morning + timedelta(hours=14, minutes=49)):  # 23:59 the same day
        assert press() is None
    with clock.frozen(morning + timedelta(hours=14, minutes=51)):  # 00:01 the next day
        with pytest.raises(RuntimeError):
            press()
        assert press() == "pressed"  # the period was not done: the next run does it
        assert press() is None
    assert len(runs) == 3


def test_two_consumers_at_once_run_a_periodic_task_once(backend, settings):
    runs, results = [], []
    started = threading.Barrier(2)

    @leases.leased("sweep", every=timedelta(minutes=15))
    def sweep():
        runs.append(1)
        time.sleep(0.3)
        return "swept"

    def consumer():
        started.wait(10)
        try:
            with clock.frozen(datetime(2026, 12, 2, 3, 0, 5, tzinfo=UTC)):
                results.append(sweep())
        finally:
            connection.close()  # this thread's own

    threads = [threading.Thread(target=consumer) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(10)
    with clock.frozen(datetime(2026, 12, 2, 3, 14, 59, tzinfo=UTC)):
        results.append(sweep())  # a consumer that got to it late in the same quarter
    assert sorted(results, key=str) == [None, None, "swept"] and runs == [1]

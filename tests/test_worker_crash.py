"""Background work survives a crash: a real ``run_huey`` consumer is killed (SIGKILL) while it
is inside a webhook delivery, a fresh consumer is started, and every due delivery reaches the
department, in order per matter, duplicates only with the same event id. The dead consumer's
task lease and delivery lease run out by themselves; nobody runs ``--flush-locks``."""

import os
import signal
import subprocess
import sys
import threading
import time
import uuid
from collections import defaultdict
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection
from huey.contrib import djhuey

from onestop.cases.models import Step
from onestop.cases.steps import Decision, step_decide
from onestop.core import clock, leases
from onestop.core.models import Lease
from onestop.outbox import tasks
from onestop.outbox.models import Delivery, OutboxEvent

from .test_exchange import another_person, take, world  # noqa: F401 - the fixture

pytestmark = pytest.mark.django_db(transaction=True)

ROOT = Path(__file__).resolve().parent.parent
TASK_LEASE_SECONDS = 3


def database_url() -> str:
    db = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{db['NAME']}"
    host, port = db["HOST"] or "127.0.0.1", db["PORT"] or 5432
    return f"postgresql://{db['USER']}@{host}:{port}/{db['NAME']}"


class Queue:
    """The consumer's queue as the consumer sees it (the tests' own huey runs tasks at once)."""

    def __init__(self, tmp_path: Path):
        from huey import RedisHuey, SqliteHuey

        self.name = f"crash-{uuid.uuid4().hex[:12]}"
        self.env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "onestop.settings",
            "DATABASE_URL": database_url(),
            "ONESTOP_VAR_DIR": str(tmp_path),  # the SqliteHuey file when there is no Redis
            "ONESTOP_HUEY_NAME": self.name,
            "ONESTOP_WEBHOOK_LEASE_SECONDS": "2",
            "ONESTOP_TASK_LEASE_SECONDS": str(TASK_LEASE_SECONDS),
            "ONESTOP_DB_CONN_MAX_AGE": "0",
        }
        if settings.REDIS_URL:
            self.huey = RedisHuey(self.name, url=settings.REDIS_URL)
        else:
            self.huey = SqliteHuey(self.name, filename=str(tmp_path / "huey.sqlite3"))
        self.log = tmp_path / "consumer.log"
        self.consumers: list[subprocess.Popen] = []

    def start_consumer(self) -> subprocess.Popen:
        with self.log.open("ab") as out:
            process = subprocess.Popen(
                [sys.executable, "manage.py", "run_huey"],
                cwd=ROOT,
                env=self.env,
                stdout=out,
                stderr=subprocess.STDOUT,
            )
        self.consumers.append(process)
        return process

    def enqueue(self, task) -> None:
        self.huey.storage.enqueue(djhuey.HUEY.serialize_task(task.s()))

    def task_lease_held(self, name: str) -> bool:
        key = f"{self.name}.lease.{name}"
        if settings.REDIS_URL:
            return bool(leases._redis().exists(key))
        return Lease.objects.filter(name=key).exists()

    def report(self) -> str:
        """What a failure needs: each delivery's state and what the consumers warned about."""
        connection.close()
        rows = [
            f"{d.pk} matter={d.event.matter_id} {d.status} attempts={d.attempts} "
            f"next={d.next_attempt_at.isoformat()} error={d.last_error!r}"
            for d in Delivery.objects.select_related("event").order_by("event_id", "pk")
        ]
        lines = self.log.read_text().splitlines()
        queue_lines = [
            line
            for line in lines
            if not line.lstrip().startswith("+ ")
            and any(word in line for word in ("WARNING", "ERROR", "Traceback", "Error", "lease"))
        ]
        return "\n".join(
            [f"now={clock.now().isoformat()}", *rows, "-- consumer log --", *queue_lines[-60:]]
        )

    def stop(self) -> None:
        for process in self.consumers:
            if process.poll() is None:
                process.kill()
            process.wait(timeout=10)
        self.huey.flush()


def test_a_consumer_killed_mid_delivery_is_replaced_and_nothing_is_lost(world, tmp_path):  # noqa: F811
    account = world["api_key"].account
    for _ in range(3):
        app = take(world, person=another_person())
        step = Step.objects.get(matter__application=app, status="active")
        step_decide(actor=account, step=step, decision=Decision("approve"))
    events = OutboxEvent.objects.filter(unit__code="medical-150702").order_by("pk")
    expected: dict[int, list[str]] = defaultdict(list)
    for event in events:
        expected[event.matter_id].append(str(event.event_id))
    assert len(expected) == 3 and all(len(ids) >= 2 for ids in expected.values())

    receiver = world["receiver"]
    arrived, release = threading.Event(), threading.Event()

    def hang_on_the_first(entry):
        if not arrived.is_set():
            arrived.set()
            release.wait(20)  # the consumer dies while waiting for this answer

    receiver.on_receive = hang_on_the_first
    queue = Queue(tmp_path)
    try:
        first = queue.start_consumer()
        queue.enqueue(tasks.deliver_webhooks_now)
        assert arrived.wait(30), queue.log.read_text()
        in_flight = Delivery.objects.order_by("event_id", "pk").first()
        assert in_flight.status == "pending" and in_flight.attempts == 0
        assert queue.task_lease_held("webhooks")  # the consumer holds the task as it dies

        first.send_signal(signal.SIGKILL)
        assert first.wait(timeout=10) == -signal.SIGKILL
        killed_at = time.monotonic()
        release.set()
        assert queue.task_lease_held("webhooks")  # left behind by the dead consumer

        queue.start_consumer()
        deadline = killed_at + 30
        wanted = {event_id for ids in expected.values() for event_id in ids}
        # Watched at the receiver, not through this process's database connection, which could
        # be reading an old snapshot while the consumer writes.
        while not wanted <= set(receiver.events()):
            assert time.monotonic() < deadline, queue.report()
            queue.enqueue(tasks.deliver_webhooks_now)
            time.sleep(1)
        took = time.monotonic() - killed_at
        connection.close()
        while Delivery.objects.exclude(status="delivered").exists():  # marked after the answer
            assert time.monotonic() < deadline + 10, queue.report()
            time.sleep(0.2)
    finally:
        release.set()
        receiver.on_receive = None
        queue.stop()
        connection.close()

    # Well within one minutely period, although the dead consumer never released anything.
    assert took < 30
    arrived_per_matter: dict[int, list[str]] = defaultdict(list)
    copies: dict[str, list[dict]] = defaultdict(list)
    for entry in receiver.received:
        body = entry["body"]
        copies[body["event_id"]].append(body)
        if body["event_id"] not in arrived_per_matter[body["matter_id"]]:
            arrived_per_matter[body["matter_id"]].append(body["event_id"])
    assert arrived_per_matter == expected  # every event at least once, in order per matter
    duplicated = [event_id for event_id, bodies in copies.items() if len(bodies) > 1]
    assert duplicated in ([], [str(in_flight.event.event_id)])
    assert all(bodies[0] == body for bodies in copies.values() for body in bodies)
    assert all(entry["verified"] for entry in receiver.received)

"""The replica router, on a real primary and streaming replica (``tests/pgcluster.py``) behind a
real gunicorn: a department system sees its own decision at once while the replica is behind,
others read the replica until it is too far behind, and nobody notices the replica stopping."""

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import psycopg
import pytest
from django.conf import settings

from .pgcluster import Cluster

ROOT = Path(__file__).resolve().parent.parent
MAX_LAG = 4  # seconds the replica may be behind before reads leave it

SETUP = """
import json, django
django.setup()
from datetime import date
from onestop.accounts.roles import Role
from onestop.cases.acceptance import application_accept
from onestop.cases.intake import application_submit
from onestop.exchange.services import api_key_create
from onestop.regions.models import OrgUnit
from tests import factories

admin = factories.staff("r_admin", Role.ADMIN, "gov-150700")
clerk = factories.staff("r_clerk", Role.WINDOW_CLERK, "cdpf-150702")
medical = OrgUnit.objects.get(code="medical-150702")
keys = [
    api_key_create(actor=admin, unit=medical, role=Role.MEDICAL_OFFICER, name=name)[1]
    for name in ("医保经办系统", "医保统计系统")
]
person = factories.certified_person(
    fact="resident_medical", source="医保", dibao_category="urban", name="其木格"
)
app = application_submit(
    actor=clerk, channel="window", applicant=person, matters=["MEDICAL"], delivery="pickup",
    consent_given=True, sensitive_consent_given=True,
    answers={"medical_bills": [{"day": "2026-10-01", "policy_self_pay": "3000"}]},
)
application_accept(actor=clerk, application=app)
print(json.dumps({"keys": keys}))
"""


def _free_ports() -> int:
    """A port whose next one is free too (the replica's)."""
    for _ in range(50):
        with socket.socket() as a, socket.socket() as b:
            a.bind(("127.0.0.1", 0))
            port = a.getsockname()[1]
            try:
                b.bind(("127.0.0.1", port + 1))
            except OSError:
                continue
            return port
    raise RuntimeError("no two free ports in a row")


def _env(cluster: Cluster, var: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ONESTOP_", "DATABASE_"))}
    env |= {
        "DJANGO_SETTINGS_MODULE": "onestop.settings",
        "DATABASE_URL": cluster.url("onestop"),
        "ONESTOP_REPLICA_URL": cluster.url("onestop", replica=True),
        "ONESTOP_REPLICA_MAX_LAG_SECONDS": str(MAX_LAG),
        "ONESTOP_REPLICA_CHECK_SECONDS": "0.2",
        "ONESTOP_VAR_DIR": str(var),
        "ONESTOP_DEBUG": "0",
        "ONESTOP_LOG_LEVEL": "WARNING",
    }
    if settings.REDIS_URL:  # the pins are kept in the cache every server process shares
        env["ONESTOP_REDIS_URL"] = settings.REDIS_URL
        env["ONESTOP_HUEY_NAME"] = f"replica-test-{os.getpid()}"
    return env


@pytest.fixture(scope="module")
def site():
    var = Path(settings.VAR_DIR) / f"replica-test-{os.getpid()}"
    cluster = Cluster(var / "pg", _free_ports()).start()
    server = None
    try:
        cluster.add_replica()
        cluster.create_database("onestop")
        env = _env(cluster, var)
        manage = [sys.executable, "manage.py"]
        subprocess.run([*manage, "migrate", "-v0"], cwd=ROOT, env=env, check=True, timeout=300)  # noqa: S603
        made = subprocess.run(  # noqa: S603
            [sys.executable, "-c", SETUP],
            cwd=ROOT, env=env, check=True, timeout=120, capture_output=True, text=True,
        )  # fmt: skip
        keys = json.loads(made.stdout.strip().splitlines()[-1])["keys"]
        port = _free_ports()
        log = (var / "gunicorn.log").open("w")  # what a 500 was, when a test sees one
        workers = "2" if settings.REDIS_URL else "1"  # without Redis each process pins alone
        server = subprocess.Popen(  # noqa: S603
            [sys.executable, "-m", "gunicorn", "onestop.wsgi:application", "-w", workers,
             "-b", f"127.0.0.1:{port}", "--log-level", "warning"],
            cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=log,
        )  # fmt: skip
        base = f"http://127.0.0.1:{port}"
        for _ in range(300):
            try:
                urllib.request.urlopen(base + "/healthz", timeout=2)  # noqa: S310
                break
            except OSError:
                time.sleep(0.1)
        yield {"cluster": cluster, "base": base, "keys": keys}
    finally:
        if server is not None:
            server.send_signal(signal.SIGTERM)
            server.wait(timeout=20)
        cluster.stop()
        shutil.rmtree(var / "pg", ignore_errors=True)  # the log stays, for a failure's cause


def _call(site, key: str, method: str, path: str, body=None) -> tuple[int, dict]:
    request = urllib.request.Request(  # noqa: S310 - our own server on loopback
        site["base"] + "/api/v1" + path,
        data=json.dumps(body).encode() if body is not None else None,
        method=method,
        headers={"Authorization": f"Bearer {key}", "Content-Type": "application/json"},
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read() or b"null")


def _step_seen(site, key: str) -> str:
    status, page = _call(site, key, "GET", "/matters")
    assert status == 200, page
    [matter] = page["items"]
    return matter["current_step"]["name"]


def _on_replica(site, sql: str) -> None:
    with psycopg.connect(site["cluster"].url(replica=True), autocommit=True) as replica:
        replica.execute(sql)


def test_own_writes_are_read_back_others_read_the_replica_until_it_lags_or_stops(site):
    writer, reader = site["keys"]
    cluster = site["cluster"]
    status, page = _call(site, writer, "GET", "/matters")
    [matter] = page["items"]
    first = matter["current_step"]["name"]
    step = matter["current_step"]["id"]
    with psycopg.connect(cluster.url("onestop"), autocommit=True) as primary:
        primary.execute("CREATE TABLE IF NOT EXISTS tick (at timestamptz)")
        primary.execute("INSERT INTO tick VALUES (now())")  # a fresh transaction to replay
    assert cluster.caught_up()
    _on_replica(site, "SELECT pg_wal_replay_pause()")
    paused = time.monotonic()

    status, decided = _call(
        site, writer, "POST", f"/matters/{matter['id']}/decision",
        {"step_id": step, "outcome": "approve"},
    )  # fmt: skip
    assert status == 200, decided
    after = decided["current_step"]["name"]
    assert after != first
    assert _step_seen(site, writer) == after  # the writer reads its own decision back
    seen_by_reader = _step_seen(site, reader)
    assert time.monotonic() - paused < MAX_LAG, "too slow to see the replica behind"
    assert seen_by_reader == first  # the replica, a moment behind

    time.sleep(max(0.0, MAX_LAG + 0.5 - (time.monotonic() - paused)))
    assert _step_seen(site, reader) == after  # too far behind: the primary answers

    _on_replica(site, "SELECT pg_wal_replay_resume()")
    assert cluster.caught_up()
    assert _step_seen(site, reader) == after

    assert _ready(site) == (200, {"ready": True, "database": "ok", "replica": "ok"})

    cluster.stop_replica()
    assert _step_seen(site, reader) == after  # the replica gone: the primary answers
    assert _step_seen(site, writer) == after
    assert _ready(site) == (200, {"ready": True, "database": "ok", "replica": "down"})


def test_a_server_without_its_database_says_it_is_not_ready(site):
    site["cluster"].stop()
    assert _ready(site) == (503, {"ready": False, "database": "down", "replica": "down"})


def _ready(site) -> tuple[int, dict]:
    """/readyz, without the replica's lag (a moving number) or Redis (there only with Redis)."""
    try:
        with urllib.request.urlopen(site["base"] + "/readyz", timeout=30) as response:  # noqa: S310
            status, body = response.status, json.loads(response.read())
    except urllib.error.HTTPError as exc:
        status, body = exc.code, json.loads(exc.read())
    body.pop("redis", None)
    if "replica" in body:
        body["replica"] = body["replica"]["state"]
    return status, body

"""The platform as several processes of each kind, under a mixed load, surviving a crash.

Starts on this machine, on loopback only: a PostgreSQL primary and its streaming replica of
their own (``tests/pgcluster.py``, under ``var/scale/``, from the machine's PostgreSQL binaries),
a Redis of its own, then 1 and then 2 gunicorn app servers (one sync worker each) with 1 and
then 2 ``run_huey`` consumers. A load generator (``--clients`` threads, each a browser or a
department system, spreading its requests over the app servers as a load balancer would)
drives a bounded mixed load: window intakes and registrations, online applications, officer
queues and decisions, the department API's reads and decisions, status look-ups and report
pages. Beside it, the trivial view ``/healthz`` is served the same way in the same run.

During the 2-server run, one app server and one consumer are killed (SIGKILL) and started
again. Afterwards: every application acknowledged to a client exists once, every person
registered once, every decision taken once; every webhook event is delivered; every audit
chain verifies; the replica has caught up.

Targets (issue 16): the mixed load at two servers at least 0.06x /healthz's rate at two
servers; p95 of every kind under 6x its p50; the gain from one to two servers at least 1.6x.

Run (after ``make test``, which installs what it needs):
    .venv/bin/python bench/scale.py [--clients 8] [--actions 60]
"""

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[0] = str(ROOT)  # bench/calendar.py must not shadow the standard library's calendar

import argparse  # noqa: E402
import http.client  # noqa: E402
import itertools  # noqa: E402
import json  # noqa: E402
import os  # noqa: E402
import random  # noqa: E402
import re  # noqa: E402
import shutil  # noqa: E402
import signal  # noqa: E402
import socket  # noqa: E402
import statistics  # noqa: E402
import subprocess  # noqa: E402
import threading  # noqa: E402
import time  # noqa: E402
import urllib.parse  # noqa: E402
from collections import defaultdict  # noqa: E402
from dataclasses import dataclass, field  # noqa: E402

import psycopg  # noqa: E402

from tests.pgcluster import Cluster  # noqa: E402
from tests.receiver import Receiver  # noqa: E402

VAR = ROOT / "var" / "scale"
PASSWORD = "Scale#2026-bench"
# Four counties of 呼伦贝尔: their window, township and 医保 work apart (no shared rows).
COUNTIES = ["150702", "150781", "150724", "150725"]

SETUP = r"""
import json, sys, django
django.setup()
from datetime import date, timedelta
from importlib import import_module
from django.conf import settings
from onestop.accounts.roles import Role
from onestop.cases.models import Matter
from onestop.exchange.services import api_key_create, subscription_create
from onestop.regions.models import OrgUnit, Region
from tests import factories

plan = json.loads(sys.argv[1])
sessions = import_module(settings.SESSION_ENGINE)
born = iter(date(1950, 1, 1) + timedelta(days=i) for i in range(100000))
seq = iter(range(10**6))

def person(township, **kw):
    return factories.holder(township, birth=next(born), dibao_category="urban", **kw)

def session(**values):
    store = sessions.SessionStore()
    store.update(values)
    store.create()
    return store.session_key

admin = factories.staff("s_admin", Role.ADMIN, "gov-150700", password=plan["password"])
out = {"counties": {}, "supervisor": "s_super"}
factories.staff("s_super", Role.SUPERVISOR, "gov-150700", password=plan["password"])
for c in plan["counties"]:
    township = Region.objects.get(code=c).children.order_by("code")[0].code
    clerk = factories.staff(f"s_clerk_{c}", Role.WINDOW_CLERK, f"cdpf-{c}", password=plan["password"])
    factories.staff(f"s_town_{c}", Role.TOWNSHIP_CIVIL, f"civil-{township}", password=plan["password"])
    medical = OrgUnit.objects.get(code=f"medical-{c}")
    _, key = api_key_create(actor=admin, unit=medical, role=Role.MEDICAL_OFFICER, name="医保经办系统")
    for unit in (medical, OrgUnit.objects.get(code=f"civil-{township}")):
        subscription_create(actor=admin, unit=unit, url=plan["receiver"])
    n = plan["per_county"]
    intake = [person(township).pk for _ in range(n)]
    register = [
        factories.id_number(c, next(born), seq=next(seq) % 1000) for _ in range(n)
    ]
    decide = []
    for _ in range(n):
        app = factories.application_accepted(clerk, factories.certified_person(
            township, birth=next(born), dibao_category="urban"), matters=["LIVING"])
        decide.append(app.matters.get().pk)
    api = []
    for _ in range(n):
        app = factories.application_accepted(clerk, factories.certified_person(
            township, birth=next(born), dibao_category="urban", fact="resident_medical",
            source="医保"), matters=["MEDICAL"],
            answers={"medical_bills": [{"day": "2026-10-01", "policy_self_pay": "3000"}]})
        api.append(app.matters.get().pk)
    online = []
    for i in range(n):
        phone = f"139{c[-3:]}{i:05d}"
        p = person(township, phone=phone)
        online.append({"person": p.pk, "session": session(citizen_phone=phone)})
    lookups = []
    for pk in decide[: max(1, n // 4)]:
        app = Matter.objects.get(pk=pk).application
        lookups.append(session(lookup_application=app.pk, lookup_tracking=app.tracking_no))
    out["counties"][c] = {
        "township": township, "clerk": f"s_clerk_{c}", "officer": f"s_town_{c}", "key": key,
        "intake": intake, "register": register, "decide": decide, "api": api,
        "online": online, "lookups": lookups,
    }
print(json.dumps(out))
"""

# How many of each acknowledged thing the database holds: none is lost, none is there twice.
COUNT = r"""
import json, sys, django
django.setup()
from django.db.models import Count
from onestop.cases.models import Application, Step
from onestop.core import pii
from onestop.people.models import ID_CONTEXT, Person

ack = json.loads(sys.argv[1])
found = {}
rows = Application.objects.filter(applicant_id__in=ack["applications"])
found["applications"] = dict(rows.values_list("applicant_id").annotate(n=Count("pk")))
indexes = {pii.blind_index(n, context=ID_CONTEXT): n for n in ack["registered"]}
rows = Person.objects.filter(id_number_index__in=list(indexes))
found["registered"] = {
    indexes[i]: n for i, n in rows.values_list("id_number_index").annotate(n=Count("pk"))
}
rows = Step.objects.filter(matter_id__in=ack["decided"], outcome="approve")
found["decided"] = dict(rows.values_list("matter_id").annotate(n=Count("pk")))
lost = [f"{k} {v}" for k in ack for v in ack[k] if v not in found[k]]
doubled = [f"{k} {v}" for k in ack for v, n in found[k].items() if n > 1]
print(json.dumps({"lost": lost, "doubled": doubled}))
"""


def free_port(pair: bool = False) -> int:
    for _ in range(100):
        with socket.socket() as a, socket.socket() as b:
            a.bind(("127.0.0.1", 0))
            port = a.getsockname()[1]
            if not pair:
                return port
            try:
                b.bind(("127.0.0.1", port + 1))
            except OSError:
                continue
            return port
    raise RuntimeError("no free port")


# --- the processes --------------------------------------------------------------------------


class Platform:
    """The database cluster, Redis, the app servers and the consumers, all on loopback."""

    def __init__(self, receiver_url: str):
        shutil.rmtree(VAR, ignore_errors=True)
        VAR.mkdir(parents=True)
        self.cluster = Cluster(VAR / "pg", free_port(pair=True))
        self.redis_port = free_port()
        self.redis: subprocess.Popen | None = None
        self.servers: dict[int, subprocess.Popen] = {}
        self.consumers: list[subprocess.Popen] = []
        self.receiver_url = receiver_url

    def env(self) -> dict[str, str]:
        keep = {k: v for k, v in os.environ.items() if not k.startswith(("ONESTOP_", "DATABASE"))}
        return {
            **keep,
            "DJANGO_SETTINGS_MODULE": "onestop.settings",
            "DATABASE_URL": self.cluster.url("onestop"),
            "ONESTOP_REPLICA_URL": self.cluster.url("onestop", replica=True),
            "ONESTOP_REDIS_URL": f"redis://127.0.0.1:{self.redis_port}/0",
            "ONESTOP_VAR_DIR": str(VAR / "app"),
            "ONESTOP_DEBUG": "0",
            "ONESTOP_LOG_LEVEL": "WARNING",
            "ONESTOP_PUBLIC_URL": "http://127.0.0.1",
            "PYTHONUNBUFFERED": "1",
        }

    def start(self) -> None:
        self.cluster.start({"max_connections": "200", "shared_buffers": "256MB"})
        self.cluster.add_replica()
        self.cluster.create_database("onestop")
        self.redis = subprocess.Popen(
            [
                "redis-server",
                "--port",
                str(self.redis_port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                str(VAR),
            ],
            stdout=subprocess.DEVNULL,
        )
        self.manage("migrate", "-v0")

    def manage(self, *args: str) -> str:
        done = subprocess.run(
            [sys.executable, "manage.py", *args],
            cwd=ROOT,
            env=self.env(),
            capture_output=True,
            text=True,
            timeout=600,
        )
        if done.returncode:
            raise RuntimeError(f"manage.py {' '.join(args)} failed:\n{done.stderr[-3000:]}")
        return done.stdout

    def setup(self, per_county: int) -> dict:
        plan = {
            "counties": COUNTIES,
            "per_county": per_county,
            "receiver": self.receiver_url,
            "password": PASSWORD,
        }
        done = subprocess.run(
            [sys.executable, "-c", SETUP, json.dumps(plan)],
            cwd=ROOT,
            env=self.env(),
            capture_output=True,
            text=True,
            timeout=900,
        )
        if done.returncode:
            raise RuntimeError(f"setting up the data failed:\n{done.stderr[-3000:]}")
        return json.loads(done.stdout.strip().splitlines()[-1])

    def start_server(self, port: int) -> None:
        self.servers[port] = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "gunicorn",
                "onestop.wsgi:application",
                "-w",
                "1",
                "-b",
                f"127.0.0.1:{port}",
                "--log-level",
                "warning",
                "--timeout",
                "120",
            ],
            cwd=ROOT,
            env=self.env(),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,  # its worker goes down with it (see kill)
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
                conn.request("GET", "/healthz")
                if conn.getresponse().status == 200:
                    return
            except OSError:
                time.sleep(0.1)
        raise RuntimeError(f"the app server on {port} did not start")

    def start_consumer(self, replacing: int | None = None) -> None:
        consumer = subprocess.Popen(
            [sys.executable, "manage.py", "run_huey", "--quiet"],
            cwd=ROOT,
            env=self.env(),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        if replacing is None:
            self.consumers.append(consumer)
        else:
            self.consumers[replacing] = consumer

    def kill(self, process: subprocess.Popen) -> None:
        """SIGKILL to the process and everything it started (a gunicorn master and its worker
        die together, as when their machine goes)."""
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=30)

    def stop(self) -> None:
        for process in [*self.servers.values(), *self.consumers]:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
                try:
                    process.wait(timeout=20)
                except subprocess.TimeoutExpired:
                    self.kill(process)
        if self.redis is not None:
            self.redis.terminate()
            self.redis.wait(timeout=20)
        self.cluster.stop()

    def sql(self, query: str, params: list | None = None) -> list[tuple]:
        with psycopg.connect(self.cluster.url("onestop"), autocommit=True) as c:
            return c.execute(query, params or []).fetchall()


# --- the load generator ---------------------------------------------------------------------


class Balancer:
    """Spreads requests over the app servers in turn, and leaves one that refuses connections
    alone for a second, as a load balancer's health check would."""

    def __init__(self, ports: list[int]):
        self.ports = list(ports)
        self.down: dict[int, float] = {}
        self.turn = itertools.count()
        self.lock = threading.Lock()

    def pick(self) -> int:
        with self.lock:
            now = time.monotonic()
            up = [p for p in self.ports if self.down.get(p, 0) <= now] or self.ports
            return up[next(self.turn) % len(up)]

    def failed(self, port: int) -> None:
        with self.lock:
            self.down[port] = time.monotonic() + 1.0


class Failed(Exception):
    pass


@dataclass
class Record:
    """Each request's time by kind, and what failed."""

    times: dict[str, list[tuple[float, float]]] = field(default_factory=lambda: defaultdict(list))
    errors: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    retries: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, kind: str, started: float) -> None:
        """A request of ``kind`` started at ``started`` (perf_counter) answered now."""
        now = time.perf_counter()
        with self.lock:
            self.times[kind].append((now, now - started))

    def error(self, kind: str) -> None:
        with self.lock:
            self.errors[kind] += 1


class Client:
    """A browser (cookies, the CSRF token) or a department system (its key)."""

    def __init__(self, balancer: Balancer, record: Record, key: str = "", cookies=None):
        self.balancer, self.record = balancer, record
        self.cookies: dict[str, str] = dict(cookies or {})
        self.key = key

    def request(
        self,
        kind: str,
        method: str,
        path: str,
        form=None,
        body=None,
        headers=None,
        ok=(200, 302),
    ) -> tuple[int, dict[str, str], str]:
        data, head = None, dict(headers or {})
        if form is not None:
            data = urllib.parse.urlencode(form, doseq=True)
            head["Content-Type"] = "application/x-www-form-urlencoded"
        elif body is not None:
            data = json.dumps(body)
            head["Content-Type"] = "application/json"
        if self.key:
            head["Authorization"] = f"Bearer {self.key}"
        if self.cookies:
            head["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        if method == "POST" and "csrftoken" in self.cookies:
            head["X-CSRFToken"] = self.cookies["csrftoken"]
            head["Referer"] = "http://127.0.0.1/"
        for attempt in range(8):
            port = self.balancer.pick()
            t0 = time.perf_counter()
            try:
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
                conn.request(method, path, body=data, headers=head)
                response = conn.getresponse()
                text = response.read().decode("utf-8", "replace")
                conn.close()
            except (ConnectionError, http.client.HTTPException, OSError):
                # The server died or is starting: the same request (a form carries its token,
                # an API write its Idempotency-Key) goes to another one.
                self.balancer.failed(port)
                self.record.retries += 1
                time.sleep(0.05 * (attempt + 1))
                continue
            self.record.add(kind, t0)
            for name, value in response.getheaders():
                if name.lower() == "set-cookie":
                    cookie = value.split(";", 1)[0]
                    k, _, v = cookie.partition("=")
                    self.cookies[k] = v
            if response.status not in ok:
                self.record.error(kind)
                raise Failed(f"{kind}: {method} {path} answered {response.status}")
            return response.status, dict(response.getheaders()), text
        self.record.error(kind)
        raise Failed(f"{kind}: {method} {path}: no server answered")

    def login(self, username: str) -> "Client":
        self.request("login", "GET", "/accounts/login/")
        status, _, _ = self.request(
            "login",
            "POST",
            "/accounts/login/",
            form={
                "username": username,
                "password": PASSWORD,
                "csrfmiddlewaretoken": self.cookies["csrftoken"],
            },
        )
        if status != 302:
            raise Failed(f"{username} could not sign in")
        return self


TOKEN = re.compile(r'name="form_token" value="([^"]+)"')


@dataclass
class Acknowledged:
    """What the clients were told was done: checked against the database afterwards."""

    applications: list[int] = field(default_factory=list)  # applicant ids
    registered: list[str] = field(default_factory=list)  # ID numbers
    decided: list[int] = field(default_factory=list)  # matter ids
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, what: str, value) -> None:
        with self.lock:
            getattr(self, what).append(value)

    def as_dict(self) -> dict[str, list]:
        return {k: getattr(self, k) for k in ("applications", "registered", "decided")}


class Work:
    """Each client's share of the prepared data, and the actions of the mixed load."""

    def __init__(self, data: dict, clients: int):
        self.data = data
        self.pools: dict[tuple[int, str], list] = {}
        counties = list(data["counties"])
        for i in range(clients):
            county = counties[i % len(counties)]
            mates = [j for j in range(clients) if counties[j % len(counties)] == county]
            share = mates.index(i)
            for pool in ("intake", "register", "decide", "api", "online", "lookups"):
                items = data["counties"][county][pool]
                self.pools[(i, pool)] = items[share :: len(mates)]

    def county(self, i: int) -> dict:
        counties = list(self.data["counties"].values())
        return counties[i % len(counties)]

    def take(self, i: int, pool: str):
        items = self.pools[(i, pool)]
        if not items:
            raise LookupError(pool)
        return items.pop()


def window_intake(c: "Seat", ack: Acknowledged) -> None:
    person = c.work.take(c.i, "intake")
    _, _, page = c.clerk.request("intake form", "GET", f"/workbench/intake/{person}/")
    token = TOKEN.search(page).group(1)
    form = {
        "matters": ["LIVING", "NURSING", "PENSION"],
        "delivery": "pickup",
        "consent_share": "on",
        "consent_sensitive": "on",
        "form_token": token,
        "csrfmiddlewaretoken": c.clerk.cookies["csrftoken"],
    }
    status, headers, _ = c.clerk.request(
        "intake submit", "POST", f"/workbench/intake/{person}/", form=form
    )
    if status == 302 and "/receipt/" in headers.get("Location", ""):
        ack.add("applications", person)


def window_register(c: "Seat", ack: Acknowledged) -> None:
    number = c.work.take(c.i, "register")
    csrf = c.clerk.cookies["csrftoken"]
    status, headers, _ = c.clerk.request(
        "register",
        "POST",
        "/workbench/intake/",
        form={"id_number": number, "csrfmiddlewaretoken": csrf},
    )
    if headers.get("Location", "").endswith("/register/"):
        form = {
            "name": "斯琴",
            "id_number": number,
            "township": c.work.county(c.i)["township"],
            "phone": "13947000000",
            "address": "",
            "dibao_category": "urban",
            "tekun_category": "none",
            "csrfmiddlewaretoken": csrf,
        }
        status, headers, _ = c.clerk.request(
            "register", "POST", "/workbench/intake/register/", form=form
        )
    if status == 302 and re.search(r"/workbench/intake/\d+/$", headers.get("Location", "")):
        ack.add("registered", number)


def online_application(c: "Seat", ack: Acknowledged) -> None:
    item = c.work.take(c.i, "online")
    citizen = Client(c.balancer, c.record, cookies={"sessionid": item["session"]})
    citizen.request("portal page", "GET", "/portal/me/")
    person, csrf = item["person"], citizen.cookies["csrftoken"]
    base = f"/portal/apply/{person}/"
    steps = [
        ("matters/", {"matters": ["LIVING", "NURSING"]}),
        ("details/", {"living_reason": "家里困难"}),
        ("delivery/", {"delivery": "post", "delivery_address": "正阳街道8号"}),
    ]
    for step, form in steps:
        citizen.request(
            "apply step", "POST", base + step, form={**form, "csrfmiddlewaretoken": csrf}
        )
    _, _, page = citizen.request("apply step", "GET", base + "confirm/")
    form = {
        "consent_share": "on",
        "consent_sensitive": "on",
        "form_token": TOKEN.search(page).group(1),
        "csrfmiddlewaretoken": csrf,
    }
    status, _, _ = citizen.request("apply submit", "POST", base + "confirm/", form=form)
    if status == 302:
        ack.add("applications", person)


def officer_queue(c: "Seat", ack: Acknowledged) -> None:
    c.officer.request("queue", "GET", "/workbench/queue/")


STEP = re.compile(r'name="step" value="(\d+)"')


def officer_decision(c: "Seat", ack: Acknowledged) -> None:
    matter = c.work.take(c.i, "decide")
    _, _, page = c.officer.request("matter page", "GET", f"/workbench/matters/{matter}/")
    step = STEP.search(page).group(1)
    form = {
        "step": step,
        "outcome": "approve",
        "csrfmiddlewaretoken": c.officer.cookies["csrftoken"],
    }
    c.officer.request("decide", "POST", f"/workbench/matters/{matter}/decide/", form=form)
    status, _, _ = c.officer.request(
        "decide", "POST", f"/workbench/matters/{matter}/decide/", form={**form, "confirmed": "yes"}
    )
    if status == 302:
        ack.add("decided", matter)


def api_read(c: "Seat", ack: Acknowledged) -> None:
    c.system.request("api list", "GET", "/api/v1/matters?limit=20")


def api_decision(c: "Seat", ack: Acknowledged) -> None:
    matter = c.work.take(c.i, "api")
    _, _, text = c.system.request("api read", "GET", f"/api/v1/matters/{matter}")
    step = json.loads(text)["current_step"]["id"]
    status, _, _ = c.system.request(
        "api decide",
        "POST",
        f"/api/v1/matters/{matter}/decision",
        body={"step_id": step, "outcome": "approve"},
        headers={"Idempotency-Key": f"scale-{matter}-{step}"},
        ok=(200,),
    )
    if status == 200:
        ack.add("decided", matter)


def status_lookup(c: "Seat", ack: Acknowledged) -> None:
    session = random.choice(c.work.county(c.i)["lookups"])
    Client(c.balancer, c.record, cookies={"sessionid": session}).request(
        "status look-up", "GET", "/portal/lookup/status/", ok=(200,)
    )


def report_page(c: "Seat", ack: Acknowledged) -> None:
    c.supervisor.request("report page", "GET", "/reports/", ok=(200,))


# One round of the mix: what a window, a township, a department system, citizens and a
# supervisor do in the same minutes (each entry an action; requests per action vary).
MIX = [
    window_intake,
    window_register,
    online_application,
    officer_queue,
    officer_queue,
    officer_decision,
    api_read,
    api_read,
    api_decision,
    status_lookup,
    status_lookup,
    status_lookup,
    report_page,
]


@dataclass
class Seat:
    """One client thread: its index, its share of the work and its signed-in clients."""

    i: int
    work: Work
    balancer: Balancer
    record: Record
    clerk: Client
    officer: Client
    system: Client
    supervisor: Client


def seats(clients: int, work: Work, balancer: Balancer, record: Record) -> list[Seat]:
    out = []
    for i in range(clients):
        county = work.county(i)
        out.append(
            Seat(
                i,
                work,
                balancer,
                record,
                clerk=Client(balancer, record).login(county["clerk"]),
                officer=Client(balancer, record).login(county["officer"]),
                system=Client(balancer, record, key=county["key"]),
                supervisor=Client(balancer, record).login(work.data["supervisor"]),
            )
        )
    return out


@dataclass
class Window:
    """A load's requests, and the time when every client was still at work (a load that ends
    client by client would otherwise count its thinning tail)."""

    start: float
    end: float
    record: Record

    @property
    def seconds(self) -> float:
        return self.end - self.start


def mixed(seats_: list[Seat], rounds: int, ack: Acknowledged, during=None) -> Window:
    """Each seat runs ``rounds`` rounds of MIX in its own order. ``during(progress)`` runs
    beside them (the crash), ``progress()`` telling the share of the actions done."""
    record = Record()
    failures: list[str] = []
    finished: list[float] = []
    total = len(seats_) * rounds * len(MIX)
    done = itertools.count(1)
    progress = [0]
    for seat in seats_:
        for client in (seat.clerk, seat.officer, seat.system, seat.supervisor):
            client.record = record
        seat.record = record

    def run(seat: Seat) -> None:
        order = [a for _ in range(rounds) for a in MIX]
        random.Random(seat.i).shuffle(order)
        for action in order:
            try:
                action(seat, ack)
            except (Failed, AttributeError, KeyError) as exc:
                failures.append(f"{action.__name__}: {exc}")
            progress[0] = next(done)
        finished.append(time.perf_counter())

    threads = [threading.Thread(target=run, args=(s,)) for s in seats_]
    t0 = time.perf_counter()
    for t in threads:
        t.start()
    if during:
        threading.Thread(target=during, args=(lambda: progress[0] / total,), daemon=True).start()
    for t in threads:
        t.join()
    for failure in failures[:5]:
        print("      failed:", failure)
    return Window(t0, min(finished), record)


def trivial(balancer: Balancer, clients: int, seconds: float) -> Window:
    record = Record()
    t0 = time.perf_counter()
    stop = t0 + seconds

    def run() -> None:
        client = Client(balancer, record)
        while time.perf_counter() < stop:
            client.request("/healthz", "GET", "/healthz", ok=(200,))

    threads = [threading.Thread(target=run) for _ in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return Window(t0, stop, record)


# --- CPU spent, per kind of process ----------------------------------------------------------


def cpu_seconds(roots: list[int]) -> float:
    """CPU seconds used so far by these processes and everything below them (children that have
    ended count once reaped, through their parent's cutime)."""
    tick = os.sysconf("SC_CLK_TCK")
    parent, used = {}, {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue  # ended meanwhile
        pid = int(stat.parent.name)
        parent[pid] = int(fields[1])
        used[pid] = sum(int(f) for f in fields[11:15]) / tick  # utime stime cutime cstime
    total = 0.0
    for pid in used:
        ancestor = pid
        while ancestor > 1 and ancestor not in roots:
            ancestor = parent.get(ancestor, 0)
        if ancestor in roots:
            total += used[pid]
    return total


def postmaster(data: Path) -> int:
    return int((data / "postmaster.pid").read_text().split()[0])


def cpu_by_kind(platform: "Platform") -> dict[str, float]:
    return {
        "app servers": cpu_seconds([p.pid for p in platform.servers.values()]),
        "consumers": cpu_seconds([p.pid for p in platform.consumers]),
        "PostgreSQL": cpu_seconds(
            [postmaster(platform.cluster.primary), postmaster(platform.cluster.replica)]
        ),
        "Redis": cpu_seconds([platform.redis.pid] if platform.redis else []),
        "load generator": time.process_time(),
    }


# --- the report -----------------------------------------------------------------------------


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


Figures = dict[str, tuple[float, float, float, int]]


def figures(window: Window) -> Figures:
    """By kind: requests per second answered while every client was at work, p50 and p95 in
    milliseconds (of every request), errors."""
    record, out = window.record, {}

    def row(answered: list[tuple[float, float]], errors: int) -> tuple[float, float, float, int]:
        inside = sum(1 for end, _ in answered if end <= window.end)
        times = [seconds for _, seconds in answered]
        return (
            inside / window.seconds,
            statistics.median(times) * 1000 if times else 0.0,
            percentile(times, 0.95) * 1000 if times else 0.0,
            errors,
        )

    for kind in sorted(set(record.times) | set(record.errors)):
        out[kind] = row(record.times.get(kind, []), record.errors.get(kind, 0))
    if len(out) > 1:
        every = [t for ts in record.times.values() for t in ts]
        out["all (mixed)"] = row(every, sum(record.errors.values()))
    return out


def table(one: dict, two: dict) -> None:
    print(f"  {'kind':<16}{'1 server':>30}{'2 servers':>32}{'gain':>8}{'p95/p50':>9}")
    print(f"  {'':<16}{'req/s   p50 ms   p95 ms  err':>30}{'req/s   p50 ms   p95 ms  err':>32}")
    for kind in one:
        a, b = one[kind], two.get(kind, (0, 0, 0, 0))
        gain = b[0] / a[0] if a[0] else 0
        ratio = b[2] / b[1] if b[1] else 0
        print(
            f"  {kind:<16}{a[0]:>7.1f}{a[1]:>9.0f}{a[2]:>9.0f}{a[3]:>5}"
            f"{b[0]:>9.1f}{b[1]:>9.0f}{b[2]:>9.0f}{b[3]:>5}{gain:>8.2f}{ratio:>9.1f}"
        )


# --- the checks -----------------------------------------------------------------------------


def check(platform: Platform, ack: Acknowledged, receiver: Receiver, data: dict) -> list[str]:
    """What was acknowledged is there once; the webhooks arrived; the audit verifies; the
    replica caught up. Returns the problems found."""
    problems = []
    counted = json.loads(
        subprocess.run(
            [sys.executable, "-c", COUNT, json.dumps(ack.as_dict())],
            cwd=ROOT,
            env=platform.env(),
            capture_output=True,
            text=True,
            timeout=300,
            check=True,
        )
        .stdout.strip()
        .splitlines()[-1]
    )
    lost, doubled = counted["lost"], counted["doubled"]
    print(
        f"  acknowledged: {len(ack.applications)} applications, {len(ack.registered)}"
        f" registrations, {len(ack.decided)} decisions"
    )
    print(f"  lost {len(lost)}, doubled {len(doubled)}")
    if lost or doubled:
        problems.append(f"lost {lost[:10]}, doubled {doubled[:10]}")

    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        (pending,) = platform.sql(
            "SELECT count(*) FROM exchange_delivery WHERE status = 'pending'"
        )[0]
        if not pending:
            break
        time.sleep(1)
    delivered = platform.sql(
        "SELECT e.event_id::text FROM exchange_delivery d JOIN exchange_outboxevent e"
        " ON e.id = d.event_id WHERE d.status = 'delivered'"
    )
    undelivered = platform.sql(
        "SELECT count(*) FROM exchange_delivery WHERE status <> 'delivered'"
    )[0][0]
    received = set(receiver.events())
    missing = {e for (e,) in delivered} - received
    redelivered = len(receiver.received) - len(received)
    print(
        f"  webhooks: {len(delivered)} events delivered, {undelivered} not delivered,"
        f" {len(missing)} marked delivered but not received, {redelivered} sent twice"
        " (at least once: the same event id)"
    )
    if undelivered or missing:
        problems.append("webhooks not delivered")
    verified = subprocess.run(
        [sys.executable, "manage.py", "verify_audit"],
        cwd=ROOT,
        env=platform.env(),
        capture_output=True,
        text=True,
        timeout=600,
    )
    print(f"  audit: {'every chain verifies' if verified.returncode == 0 else 'FAILED'}")
    if verified.returncode:
        problems.append("audit: " + verified.stdout[-500:] + verified.stderr[-500:])
    size, applications, events = platform.sql(
        "SELECT pg_database_size(current_database()), (SELECT count(*) FROM cases_application),"
        " (SELECT count(*) FROM audit_auditevent)"
    )[0]
    print(
        f"  database: {size / 2**20:.0f} MiB for {applications:,} applications and"
        f" {events:,} audit events ({size / max(1, applications) / 1024:.0f} KiB per application,"
        " people, notices and audit included)"
    )
    caught_up = platform.cluster.caught_up(timeout=60)
    print(f"  replica: {'caught up' if caught_up else 'BEHIND'}")
    if not caught_up:
        problems.append("replica behind")
    return problems


# --- the run --------------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--rounds", type=int, default=2, help="rounds of the mix per client")
    parser.add_argument("--trivial-seconds", type=float, default=5)
    args = parser.parse_args()
    started = time.monotonic()
    per_county = args.rounds * 3 * -(-args.clients // len(COUNTIES)) + 2
    receiver = Receiver().start()
    platform = Platform(receiver.url)
    try:
        platform.start()
        data = platform.setup(per_county)
        print(
            f"set up in {time.monotonic() - started:.0f} s: {len(COUNTIES)} counties,"
            f" {per_county} of each kind of case per county"
        )
        ports = [free_port(), free_port()]
        work = Work(data, args.clients)
        ack = Acknowledged()
        results = {}
        for n in (1, 2):
            for port in ports[:n]:
                if port not in platform.servers:
                    platform.start_server(port)
            while len(platform.consumers) < n:
                platform.start_consumer()
            balancer = Balancer(ports[:n])
            easy = figures(trivial(balancer, args.clients, args.trivial_seconds))
            sitting = seats(args.clients, work, balancer, Record())
            before = cpu_by_kind(platform)
            window = mixed(sitting, args.rounds, ack)
            after = cpu_by_kind(platform)
            results[n] = {**figures(window), "/healthz": easy["/healthz"]}
            answered = sum(len(t) for t in window.record.times.values())
            print(f"  {n} server(s): {window.seconds:.1f} s with every client at work")
            print(
                f"    CPU per request of the mix ({answered} requests): "
                + ", ".join(
                    f"{kind} {(after[kind] - before[kind]) / answered * 1000:.1f} ms"
                    for kind in after
                )
            )
        print("  2 servers again, one app server and one consumer killed midway:")
        window = mixed(sitting, args.rounds, ack, crash(platform, ports[1]))
        crashed = figures(window)["all (mixed)"]
        print(
            f"    {crashed[0]:.1f} req/s, p50 {crashed[1]:.0f} ms, p95 {crashed[2]:.0f} ms,"
            f" {crashed[3]} errors, {window.record.retries} requests sent again to the other server"
        )
        print()
        table(results[1], results[2])
        mix1, mix2 = results[1]["all (mixed)"][0], results[2]["all (mixed)"][0]
        easy1, easy2 = results[1]["/healthz"][0], results[2]["/healthz"][0]
        worst = max((v[2] / v[1], k) for k, v in results[2].items() if v[1])
        print()
        print(
            f"  gain from 1 to 2 servers: mixed {mix2 / mix1:.2f}x (target at least 1.6),"
            f" /healthz {easy2 / easy1:.2f}x"
        )
        print(
            f"  mixed at 2 servers / /healthz at 2 servers: {mix2 / easy2:.3f}"
            " (target at least 0.06)"
        )
        print(f"  worst p95/p50 at 2 servers: {worst[0]:.1f} ({worst[1]}; target under 6)")
        print()
        problems = check(platform, ack, receiver, data)
        print(f"finished in {time.monotonic() - started:.0f} s")
        if problems:
            print("PROBLEMS:", *problems, sep="\n  ")
            sys.exit(1)
    finally:
        platform.stop()
        receiver.stop()


def crash(platform: Platform, port: int):
    """Beside a 2-server load: a quarter in, kill one app server and one consumer outright;
    at half way, start them again."""

    def run(progress) -> None:
        while progress() < 0.25:
            time.sleep(0.05)
        platform.kill(platform.servers[port])
        platform.kill(platform.consumers[-1])
        print(f"    killed app server {port} and a consumer (SIGKILL) at {progress():.0%}")
        while progress() < 0.5:
            time.sleep(0.05)
        platform.start_server(port)
        platform.start_consumer(replacing=len(platform.consumers) - 1)
        print(f"    started them again at {progress():.0%}")

    return run


if __name__ == "__main__":
    main()

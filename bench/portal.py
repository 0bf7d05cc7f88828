"""Requests per second of the status page under loopback load.

Target (issue 6): at least 0.3 of the rate of a trivial Django view (/healthz) served by the same
server in the same run. "The status page" is the one reached by the status lookup (tracking number,
last six ID characters and an SMS code); the signed-in follow page, which also carries the forms
to supply, rate and withdraw, is measured beside it for information. The server is gunicorn (the production WSGI server) with two workers on
this machine's two cores; the load comes from wrk when installed (apt install wrk), else from a
small Python client (which then limits both figures alike).

Run: .venv/bin/python bench/portal.py [--seconds 10] [--postgres]
"""

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# First of all: bench/calendar.py must not shadow the standard library's calendar (email and
# urllib import it).
sys.path[0] = str(ROOT)

import argparse  # noqa: E402
import os  # noqa: E402
import shutil  # noqa: E402
import signal  # noqa: E402
import socket  # noqa: E402
import subprocess  # noqa: E402
import threading  # noqa: E402
import time  # noqa: E402
import urllib.request  # noqa: E402


def prepare() -> tuple[str, str, str]:
    """An application in progress, and one session that has passed the status lookup and is
    signed in as the applicant; returns (follow page path, status page path, session key)."""
    import django

    django.setup()
    from datetime import date

    from django.contrib.sessions.backends.db import SessionStore
    from django.core.management import call_command

    from onestop.accounts.roles import Role
    from tests import factories

    call_command("migrate", verbosity=0)
    person = factories.holder(
        name="巴图",
        birth=date(1990, 4, 4),
        phone="13904700001",
        dibao_category="urban",
        certificate="52",
    )
    clerk = factories.staff("bench_portal_clerk", Role.WINDOW_CLERK, "cdpf-150702")
    app = factories.application_accepted(
        clerk, person, matters=["LIVING", "NURSING", "PENSION"], online=True
    )
    session = SessionStore()
    session["citizen_phone"] = "13904700001"
    session["lookup_application"] = app.pk
    session["lookup_tracking"] = app.tracking_no
    session.create()
    return f"/portal/applications/{app.pk}/", "/portal/lookup/status/", session.session_key


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def load_wrk(url: str, cookie: str, seconds: int) -> float:
    out = subprocess.run(
        ["wrk", "-t2", "-c16", f"-d{seconds}s", "-H", f"Cookie: {cookie}", url],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    if "Non-2xx or 3xx responses" in out:
        raise RuntimeError(f"{url} answered with errors under load:\n{out}")
    line = next(row for row in out.splitlines() if row.startswith("Requests/sec"))
    return float(line.split()[1])


def load_python(url: str, cookie: str, seconds: int) -> float:
    import http.client
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    count = [0]
    stop = time.monotonic() + seconds
    lock = threading.Lock()

    def worker():
        conn = http.client.HTTPConnection(parts.hostname, parts.port)
        n = 0
        while time.monotonic() < stop:
            conn.request("GET", parts.path, headers={"Cookie": cookie})
            response = conn.getresponse()
            response.read()
            assert response.status == 200, response.status
            n += 1
        with lock:
            count[0] += n

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return count[0] / seconds


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--postgres", action="store_true")
    args = parser.parse_args()
    var = Path("/tmp/onestop-bench-portal")
    shutil.rmtree(var, ignore_errors=True)
    var.mkdir()
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "onestop.settings",
        "ONESTOP_VAR_DIR": str(var),
        "ONESTOP_DEBUG": "0",
        "ONESTOP_LOG_LEVEL": "WARNING",
    }
    if args.postgres:
        import psycopg

        with psycopg.connect("postgresql://postgres@127.0.0.1:5432/postgres", autocommit=True) as c:
            c.execute("DROP DATABASE IF EXISTS onestop_bench_portal")
            c.execute("CREATE DATABASE onestop_bench_portal")
        env["DATABASE_URL"] = "postgresql://postgres@127.0.0.1:5432/onestop_bench_portal"
    os.environ.update(env)
    follow, status_path, cookie = prepare()
    port = free_port()
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "onestop.wsgi:application",
            "-w",
            "2",
            "-b",
            f"127.0.0.1:{port}",
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env=env,
    )
    try:
        base = f"http://127.0.0.1:{port}"
        for _ in range(100):
            try:
                urllib.request.urlopen(base + "/healthz", timeout=1)
                break
            except OSError:
                time.sleep(0.1)
        # Like a browser: the session cookie, and the CSRF cookie the first page view sets.
        first = urllib.request.urlopen(
            urllib.request.Request(base + status_path, headers={"Cookie": f"sessionid={cookie}"})
        )
        csrf = next(
            v.split(";")[0]
            for k, v in first.headers.items()
            if k == "Set-Cookie" and "csrftoken" in v
        )
        cookie = f"sessionid={cookie}; {csrf}"
        load = load_wrk if shutil.which("wrk") else load_python
        trivial = load(base + "/healthz", cookie, args.seconds)
        status = load(base + status_path, cookie, args.seconds)
        signed_in = load(base + follow, cookie, args.seconds)
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)
    db = "PostgreSQL" if args.postgres else "SQLite"
    print(
        f"Status page under loopback load ({load.__name__.removeprefix('load_')}, gunicorn 2 workers, {db})"
    )
    print(f"  trivial view /healthz:  {trivial:>8,.0f} requests/s")
    print(
        f"  status page:            {status:>8,.0f} requests/s   ratio {status / trivial:.2f} (target at least 0.3)"
    )
    print(
        f"  signed-in follow page:  {signed_in:>8,.0f} requests/s   ratio {signed_in / trivial:.2f}"
    )


if __name__ == "__main__":
    main()

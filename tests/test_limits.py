"""Rate limits and the login lockout hold for the whole site, not per server process: the counters
are shared (database, or Redis when configured) and counted with one atomic step."""

import http.client
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.parse
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from django.db import connection

from onestop.accounts.models import StaffUser
from onestop.accounts.roles import Role
from onestop.audit.models import AuditAction, AuditEvent
from onestop.core import clock, ratelimit
from onestop.notices.models import SmsMessage

from . import factories

ROOT = Path(__file__).resolve().parent.parent
BEIJING = ZoneInfo("Asia/Shanghai")


def test_a_limit_counts_each_use_and_starts_again_in_the_next_window(db):
    with clock.frozen(datetime(2026, 12, 3, 9, 0, 5, tzinfo=BEIJING)):
        assert [ratelimit.hit("t", "1.2.3.4", 3, 60) for _ in range(5)] == [True] * 3 + [False] * 2
        assert ratelimit.hit("t", "5.6.7.8", 3, 60)  # someone else has their own count
        assert ratelimit.hit("other", "1.2.3.4", 3, 60)  # and so has another limit
    with clock.frozen(datetime(2026, 12, 3, 9, 1, 0, tzinfo=BEIJING)):
        assert ratelimit.hit("t", "1.2.3.4", 3, 60)


def test_the_wrong_password_five_times_locks_and_the_lock_expires(client, hlr_clerk, settings):
    start = datetime(2026, 12, 3, 23, 58, tzinfo=BEIJING)

    def attempt(password, at):
        with clock.frozen(at):
            data = {"username": "t_hlr_window", "password": password}
            return client.post("/accounts/login/", data)

    for i in range(settings.LOGIN_MAX_FAILURES):
        assert attempt("bad-password", start + timedelta(seconds=i)).status_code == 401
    locked = attempt(factories.PASSWORD, start + timedelta(minutes=1))
    assert locked.status_code == 401 and "已被锁定" in locked.content.decode()
    assert AuditEvent.objects.filter(action=AuditAction.ACCOUNT_LOCKED).count() == 1
    end = start + timedelta(minutes=settings.LOGIN_LOCK_MINUTES, seconds=5)
    assert attempt(factories.PASSWORD, end).status_code == 302
    hlr_clerk.refresh_from_db()
    assert hlr_clerk.failed_login_count == 0 and hlr_clerk.locked_until is None


def test_a_success_starts_the_count_of_failures_again(client, hlr_clerk, settings):
    for _ in range(2):
        for _ in range(settings.LOGIN_MAX_FAILURES - 1):
            client.post("/accounts/login/", {"username": "t_hlr_window", "password": "bad-pass"})
        response = client.post(
            "/accounts/login/", {"username": "t_hlr_window", "password": factories.PASSWORD}
        )
        assert response.status_code == 302
        client.post("/accounts/logout/")
    assert not AuditEvent.objects.filter(action=AuditAction.ACCOUNT_LOCKED).exists()


# --- several real server processes ---------------------------------------------------------------
def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _database_url() -> str:
    db = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{db['NAME']}"
    host, port = db["HOST"] or "127.0.0.1", db["PORT"] or 5432
    return f"postgresql://{db['USER']}@{host}:{port}/{db['NAME']}"


class Server:
    """gunicorn with four worker processes on the test database, with the real settings (so
    passwords are checked with Argon2 at its real cost)."""

    def __init__(self, port: int):
        self.port = port

    def request(self, method, path, body=None, cookie=""):
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        headers = {"Cookie": cookie}
        if body is not None:
            headers["Content-Type"] = "application/x-www-form-urlencoded"
            body = urllib.parse.urlencode(body)
        try:
            conn.request(method, path, body=body, headers=headers)
            response = conn.getresponse()
            return response.status, response.getheader("Set-Cookie") or "", response.read()
        finally:
            conn.close()

    def form(self, path):
        """The cookie and form token a browser would post a form with."""
        status, set_cookie, page = self.request("GET", path)
        assert status == 200
        token = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
        cookie = re.search(r"csrftoken=([^;]+)", set_cookie).group(0)
        return cookie, token.decode()

    def post_all_at_once(self, path, bodies):
        cookie, token = self.form(path)
        start = threading.Barrier(len(bodies))

        def post(body):
            start.wait(timeout=30)
            return self.request("POST", path, {**body, "csrfmiddlewaretoken": token}, cookie)[0]

        with ThreadPoolExecutor(len(bodies)) as pool:
            return list(pool.map(post, bodies))


@pytest.fixture
def server(reference_data, settings, tmp_path):
    port = _free_port()
    env = {
        **{k: v for k, v in os.environ.items() if k != "ONESTOP_REDIS_URL"},
        "DATABASE_URL": _database_url(),
        "DJANGO_SETTINGS_MODULE": "onestop.settings",
        "ONESTOP_VAR_DIR": str(tmp_path),
        "ONESTOP_DEBUG": "0",
        "ONESTOP_LOG_LEVEL": "WARNING",
        "ONESTOP_RATELIMIT_NAMESPACE": settings.RATELIMIT_NAMESPACE,
    }
    if settings.REDIS_URL:
        env["ONESTOP_REDIS_URL"] = settings.REDIS_URL
    command = [sys.executable, "-m", "gunicorn", "onestop.wsgi:application", "--preload"]
    command += ["-w", "4", "-b", f"127.0.0.1:{port}", "--log-level", "warning"]
    process = subprocess.Popen(  # noqa: S603 - our own command line
        command,
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    server = Server(port)
    try:
        for _ in range(300):
            try:
                if server.request("GET", "/healthz")[0] == 200:
                    break
            except OSError:
                time.sleep(0.1)
        else:
            pytest.fail("gunicorn did not start")
        yield server
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)


def test_sixty_code_requests_at_once_from_one_address_send_only_the_limit(server, settings):
    # The limit counts per clock hour; sixty requests take a second or two, so do not start
    # them just before the hour turns.
    while time.time() % 3600 > 3595:
        time.sleep(0.5)
    phones = [f"1384711{i:04d}" for i in range(60)]
    statuses = server.post_all_at_once("/portal/sign-in/", [{"phone": p} for p in phones])
    assert statuses.count(302) == settings.SMS_PER_IP_HOUR  # on to "enter the code"
    assert statuses.count(200) == 60 - settings.SMS_PER_IP_HOUR  # the form, with the refusal
    assert SmsMessage.objects.count() == settings.SMS_PER_IP_HOUR


def test_forty_one_wrong_passwords_at_once_try_only_five_and_lock_once(server, settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.Argon2PasswordHasher"]
    user = factories.staff("t_hlr_window", Role.WINDOW_CLERK, "cdpf-150702")
    bodies = [{"username": user.username, "password": f"wrong-{i:02d}-pass"} for i in range(41)]
    statuses = server.post_all_at_once("/accounts/login/", bodies)
    assert statuses == [401] * 41
    failed = AuditEvent.objects.filter(action=AuditAction.LOGIN_FAILED, subject_id=str(user.pk))
    # Only as many passwords as the limit allows were checked; the rest were refused unchecked.
    assert failed.filter(detail__reason="bad_credentials").count() == settings.LOGIN_MAX_FAILURES
    assert failed.filter(detail__reason="locked").count() == 41 - settings.LOGIN_MAX_FAILURES
    assert AuditEvent.objects.filter(action=AuditAction.ACCOUNT_LOCKED).count() == 1
    # The right password is refused too while the lock lasts.
    cookie, token = server.form("/accounts/login/")
    body = {"username": user.username, "password": factories.PASSWORD}
    status, _, page = server.request(
        "POST", "/accounts/login/", {**body, "csrfmiddlewaretoken": token}, cookie
    )
    assert status == 401 and "已被锁定" in page.decode()
    assert StaffUser.objects.get(pk=user.pk).locked_until > clock.now()

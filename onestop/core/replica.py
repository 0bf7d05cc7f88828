"""Heavy reads from a PostgreSQL streaming replica, never at the cost of missing what one has
just done.

With ``ONESTOP_REPLICA_URL`` set, ``ReplicaRouter`` sends a read to the replica only when all of
these hold (otherwise to the primary):

1. The code asked for it, by running inside ``replica_reads()``: the reports and exports, the
   department API's lists, the 免申即享 scan's reads. Everything else reads the primary.
2. The caller has not written: a write pins the rest of the request to the primary, and the
   caller's next requests (the same session or API key, on any app server: the pin is kept in
   the shared cache) for ``REPLICA_PIN_SECONDS``, longer than the replica may lag.
3. Not inside a transaction on the primary (a transaction reads what it writes).
4. The replica is up and not behind by more than ``REPLICA_MAX_LAG_SECONDS``. Each process
   looks at most every ``REPLICA_CHECK_SECONDS``: caught up when it has replayed all the
   primary has written, else behind by the age of the last transaction it replayed. A replica
   that fails a query or a check is left alone until the next check.
"""

import contextvars
import functools
import hashlib
import logging
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, ParamSpec, TypeVar

from django.conf import settings
from django.core.cache import cache
from django.db import DatabaseError, connections
from django.http import HttpRequest, HttpResponse

log = logging.getLogger(__name__)
P = ParamSpec("P")
R = TypeVar("R")
REPLICA = "replica"
Execute = Callable[..., Any]
WRITES = ("INSERT", "UPDATE", "DELETE", "MERGE", "COPY", "TRUNCATE")


class _Scope:
    """One request's (or task's) routing state."""

    def __init__(self, pinned: bool = False) -> None:
        self.pinned = pinned
        self.wrote = False
        self.quiet = False  # inside not_pinning()
        self.connection_checked = False


_wanted: contextvars.ContextVar[bool] = contextvars.ContextVar("replica_wanted", default=False)
_scope: contextvars.ContextVar[_Scope | None] = contextvars.ContextVar(
    "replica_scope", default=None
)


def configured() -> bool:
    return REPLICA in settings.DATABASES


@contextmanager
def _reading() -> Iterator[None]:
    token = _wanted.set(True)
    try:
        yield
    finally:
        _wanted.reset(token)


def replica_reads(func: Callable[P, R] | None = None) -> Any:
    """Reads in this block (or this view or function) may come from the replica; use as
    ``with replica_reads():`` or as a decorator."""
    if func is None:
        return _reading()

    @functools.wraps(func)
    def wrapped(*args: P.args, **kwargs: P.kwargs) -> R:
        with _reading():
            return func(*args, **kwargs)

    return wrapped


@contextmanager
def not_pinning() -> Iterator[None]:
    """Writes in this block are bookkeeping the caller never reads back (a key's last use, the
    audit of a read): they do not send the caller's next reads to the primary."""
    scope = _scope.get()
    if scope is None or scope.quiet:
        yield
        return
    scope.quiet = True
    try:
        yield
    finally:
        scope.quiet = False


class _Health:
    """What this process last saw of the replica."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.checked = float("-inf")
        self.ok = False
        self.lag: float | None = None

    def down(self, why: object) -> None:
        with self.lock:
            if self.ok:
                log.warning("replica left alone until the next check: %s", why)
            self.ok, self.checked = False, time.monotonic()

    def usable(self) -> bool:
        with self.lock:
            if time.monotonic() - self.checked < settings.REPLICA_CHECK_SECONDS:
                return self.ok
            self.checked = time.monotonic()
        lag = replica_lag()
        with self.lock:
            self.lag = lag
            self.ok = lag is not None and lag <= settings.REPLICA_MAX_LAG_SECONDS
            return self.ok


health = _Health()


def replica_lag() -> float | None:
    """Seconds the replica is behind the primary (0 when it has replayed everything the primary
    has written), or None when it cannot be reached."""
    try:
        with connections[REPLICA].cursor() as cursor:
            cursor.execute(
                "SELECT pg_last_wal_replay_lsn()::text,"
                " EXTRACT(EPOCH FROM now() - pg_last_xact_replay_timestamp())"
            )
            replayed, age = cursor.fetchone()
        with connections["default"].cursor() as cursor:
            cursor.execute("SELECT pg_current_wal_lsn() <= %s::pg_lsn", [replayed])
            (caught_up,) = cursor.fetchone()
    except DatabaseError as exc:
        connections[REPLICA].close()
        log.warning("replica unreachable: %s", exc)
        return None
    if caught_up:
        return 0.0
    return float(age) if age is not None else float("inf")


def _replica_connection_usable() -> bool:
    """Once per scope: the replica's connection opens (or, reused, still answers)."""
    scope = _scope.get()
    if scope is not None and scope.connection_checked:
        return True
    try:
        replica = connections[REPLICA]
        replica.close_if_unusable_or_obsolete()
        # A kept connection to a replica that has since stopped is only found out by asking
        # it (ensure_connection trusts any open connection); found out later, at the query's
        # cursor, the reconnection fails there and the request with it.
        replica.close_if_health_check_failed()
        replica.ensure_connection()
    except DatabaseError as exc:
        connections[REPLICA].close()
        health.down(exc)
        return False
    if scope is not None:
        scope.connection_checked = True
    return True


class ReplicaRouter:
    def db_for_read(self, model: type, **hints: Any) -> str:
        scope = _scope.get()
        if (
            not _wanted.get()
            or (scope is not None and (scope.pinned or scope.wrote))
            or connections["default"].in_atomic_block
            or not health.usable()
            or not _replica_connection_usable()
        ):
            return "default"
        return REPLICA

    def db_for_write(self, model: type, **hints: Any) -> str:
        return "default"

    def allow_relation(self, obj1: Any, obj2: Any, **hints: Any) -> bool:
        return True  # the same data, whichever copy it was read from

    def allow_migrate(self, db: str, app_label: str, **hints: Any) -> bool:
        return db == "default"


def _watch_writes(
    execute: Callable[..., Any], sql: str, params: Any, many: bool, context: Any
) -> Any:
    scope = _scope.get()
    if scope is not None and not scope.wrote and not scope.quiet:
        head = sql.lstrip().split(None, 1)[0].upper() if sql.strip() else ""
        if head in WRITES or (head == "SELECT" and " FOR UPDATE" in sql.upper()):
            scope.wrote = True
    return execute(sql, params, many, context)


def _watch_replica(
    execute: Callable[..., Any], sql: str, params: Any, many: bool, context: Any
) -> Any:
    try:
        return execute(sql, params, many, context)
    except DatabaseError as exc:
        health.down(exc)
        raise


def watch_replica_connection(sender: Any, connection: Any, **kwargs: Any) -> None:
    """On each new replica connection: a failing query leaves the replica alone at once."""
    if connection.alias == REPLICA and _watch_replica not in connection.execute_wrappers:
        connection.execute_wrappers.append(_watch_replica)


def _caller(request: HttpRequest) -> str | None:
    """Who the pin is for: the API key, else the session (a new one after signing in)."""
    who = request.headers.get("Authorization")
    if not who:
        session = getattr(request, "session", None)
        who = getattr(session, "session_key", None) or request.COOKIES.get(
            settings.SESSION_COOKIE_NAME
        )
    if not who:
        return None
    return "replica-pin:" + hashlib.sha256(who.encode()).hexdigest()[:32]


class ReplicaMiddleware:
    """Opens each request's routing scope, pinned if the caller wrote a moment ago, watches its
    writes on the primary, and pins the caller's next requests when it wrote."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not configured():
            return self.get_response(request)
        before = _caller(request)
        scope = _Scope(pinned=bool(before and cache.get(before)))
        token = _scope.set(scope)
        try:
            with connections["default"].execute_wrapper(_watch_writes):
                response = self.get_response(request)
        finally:
            _scope.reset(token)
        if scope.wrote:
            after = _caller(request)
            for key in {before, after} - {None}:
                cache.set(key, 1, timeout=settings.REPLICA_PIN_SECONDS)
        return response

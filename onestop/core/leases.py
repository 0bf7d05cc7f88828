"""Leases that expire: one worker at a time runs a background task, and a worker killed in the
middle holds it back for at most ``TASK_LEASE_SECONDS`` (huey's own task locks never expire).
A task that runs longer keeps its lease: it is renewed every third of that time while it works.

With Redis the lease is a key set with NX and an expiry; without, a row in ``core_lease`` taken
by a conditional update. A worker that finds the lease held skips the run; the next period runs
it. Correctness does not rest on this lease alone: deliveries and notices are leased per row too.
"""

import functools
import logging
import secrets
import threading
from collections.abc import Callable
from datetime import timedelta
from typing import TYPE_CHECKING, ParamSpec, TypeVar

from django.conf import settings
from django.db import IntegrityError, connection, transaction

from . import clock
from .models import Lease

if TYPE_CHECKING:
    import redis

log = logging.getLogger(__name__)
P = ParamSpec("P")
BEIJING_OFFSET = 8 * 3600  # periods of a day start at Beijing's midnight
R = TypeVar("R")

_RELEASE = "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) end"
_RENEW = (
    "if redis.call('get', KEYS[1]) == ARGV[1] then "
    "return redis.call('pexpire', KEYS[1], ARGV[2]) end"
)


def key(name: str) -> str:
    return f"{settings.HUEY['name']}.lease.{name}"


def _redis() -> "redis.Redis":
    import redis

    return redis.Redis.from_url(settings.REDIS_URL)


def acquire(name: str, token: str) -> bool:
    seconds = settings.TASK_LEASE_SECONDS
    if settings.REDIS_URL:
        return bool(_redis().set(key(name), token, nx=True, px=int(seconds * 1000)))
    now = clock.now()
    until = now + timedelta(seconds=seconds)
    with transaction.atomic():
        taken = Lease.objects.filter(name=key(name), expires_at__lt=now).update(
            holder=token, expires_at=until
        )
        if taken:
            return True
    try:
        with transaction.atomic():
            Lease.objects.create(name=key(name), holder=token, expires_at=until)
    except IntegrityError:  # held by another worker
        return False
    return True


def renew(name: str, token: str) -> bool:
    seconds = settings.TASK_LEASE_SECONDS
    if settings.REDIS_URL:
        return bool(_redis().eval(_RENEW, 1, key(name), token, int(seconds * 1000)))
    until = clock.now() + timedelta(seconds=seconds)
    return bool(Lease.objects.filter(name=key(name), holder=token).update(expires_at=until))


def _keep_renewing(name: str, token: str, done: threading.Event) -> None:
    try:
        while not done.wait(settings.TASK_LEASE_SECONDS / 3):
            try:
                if not renew(name, token):
                    log.warning("task lease %s was lost while the task ran", name)
                    return
            except Exception:
                log.exception("task lease %s could not be renewed", name)
    finally:
        connection.close()  # this thread's own database connection, if it opened one


def release(name: str, token: str) -> None:
    if settings.REDIS_URL:
        _redis().eval(_RELEASE, 1, key(name), token)
    else:
        Lease.objects.filter(name=key(name), holder=token).delete()


def _period(every: timedelta) -> int:
    """The number of the period (of length ``every``, counted in Beijing time) now falls in."""
    return int((clock.now().timestamp() + BEIJING_OFFSET) // every.total_seconds())


def period_done(task: str, period: int) -> bool:
    name = key(f"{task}.done.{period}")
    if settings.REDIS_URL:
        return bool(_redis().exists(name))
    return Lease.objects.filter(name=name).exists()


def period_mark(task: str, period: int, every: timedelta) -> None:
    """Remember, for two periods, that the task ran in this one (and forget older marks)."""
    name = key(f"{task}.done.{period}")
    if settings.REDIS_URL:
        _redis().set(name, "done", px=int(2 * every.total_seconds() * 1000))
        return
    now = clock.now()
    Lease.objects.filter(name__startswith=key(f"{task}.done."), expires_at__lt=now).delete()
    Lease.objects.get_or_create(
        name=name, defaults={"holder": "done", "expires_at": now + 2 * every}
    )


def leased(
    name: str, *, every: timedelta | None = None
) -> Callable[[Callable[P, R]], Callable[P, R | None]]:
    """Run the task only while holding the lease ``name``; otherwise return None at once.

    With ``every`` (a periodic task's period), the task also runs at most once per period,
    however many consumers schedule it: each consumer's scheduler enqueues it at the same
    minute, and the run that finishes marks the period done for the others. A run killed
    midway marks nothing, and the next period runs it again."""

    def decorate(func: Callable[P, R]) -> Callable[P, R | None]:
        task = f"{name}.{func.__name__}"

        @functools.wraps(func)
        def run(*args: P.args, **kwargs: P.kwargs) -> R | None:
            period = _period(every) if every else 0
            if every and period_done(task, period):
                log.info("task %s already ran in this period; skipped", task)
                return None
            token = secrets.token_hex(16)
            if not acquire(name, token):
                log.info("task lease %s is held by another worker; skipped", name)
                return None
            done = threading.Event()
            renewer = threading.Thread(target=_keep_renewing, args=(name, token, done), daemon=True)
            renewer.start()
            try:
                if every and period_done(task, period):  # finished while this one waited
                    return None
                result = func(*args, **kwargs)
                if every:
                    period_mark(task, period, every)
                return result
            finally:
                done.set()
                renewer.join()
                release(name, token)

        return run

    return decorate

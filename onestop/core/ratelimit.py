"""Fixed-window rate limits counted where every process sees them: Redis when configured,
otherwise a database table. Both count with one atomic increment, so parallel requests handled by
different workers cannot all slip under the limit."""

import functools

import redis
from django.conf import settings
from django.db import connection
from django.http import HttpRequest

from onestop.core import clock

from .models import RateCounter


def client_ip(request: HttpRequest) -> str:
    return request.META.get("REMOTE_ADDR", "")


def hit(scope: str, who: str, limit: int, window: int) -> bool:
    """Count one use; True while ``who`` is within ``limit`` uses per ``window`` seconds."""
    now = int(clock.now().timestamp())
    start = now - now % window
    bucket = f"{settings.RATELIMIT_NAMESPACE}:{scope}:{who}:{start}"
    if settings.REDIS_URL:
        hits = _redis_incr(bucket, window)
    else:
        hits = _db_incr(bucket, expires=start + window, now=now)
    return hits <= limit


@functools.cache
def _redis_client(url: str) -> redis.Redis:
    return redis.Redis.from_url(url)


def _redis_incr(bucket: str, window: int) -> int:
    pipe = _redis_client(settings.REDIS_URL).pipeline(transaction=True)
    pipe.incr(bucket)
    pipe.expire(bucket, window + 1)
    hits, _ = pipe.execute()
    return int(hits)


def _db_incr(bucket: str, *, expires: int, now: int) -> int:
    table = connection.ops.quote_name(RateCounter._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (bucket, hits, expires) VALUES (%s, 1, %s) "  # noqa: S608 - our table name
            f"ON CONFLICT (bucket) DO UPDATE SET hits = {table}.hits + 1 RETURNING hits",
            [bucket, expires],
        )
        (hits,) = cursor.fetchone()
    if hits == 1:  # a new window began: sweep the ones that have ended
        RateCounter.objects.filter(expires__lte=now).delete()
    return hits

"""Fixed-window rate limits in the shared cache (Redis in production)."""

from django.conf import settings
from django.core.cache import cache

from onestop.core import clock


def client_ip(request) -> str:
    return request.META.get("REMOTE_ADDR", "")


def hit(scope: str, who: str, limit: int, window: int) -> bool:
    """Count one use; True while ``who`` is within ``limit`` uses per ``window`` seconds."""
    key = f"{settings.RATELIMIT_NAMESPACE}:{scope}:{who}:{int(clock.now().timestamp() // window)}"
    if cache.add(key, 1, timeout=window + 1):
        return True
    try:
        return cache.incr(key) <= limit
    except ValueError:  # expired between add and incr
        cache.add(key, 1, timeout=window + 1)
        return True
